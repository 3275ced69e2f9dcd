// How a layer's activation holds its spatial grid, and bringing it to (N, C, h, w). CNNs give
// (N,C,h,w); Swin-style transformers channels-last grids (N,h,w,C); ViT-style ones token
// sequences (N,T,D) whose first T - g^2 tokens (a class token, a distillation token) have no
// place on the g x g grid and are dropped, as pytorch-grad-cam's reshape transforms do.
#pragma once
#include <torch/torch.h>
#include <string>
#include <vector>

namespace fass {

enum class Layout { nchw, nhwc, tokens };

struct Grid {
  Layout layout;
  int64_t h, w;
  int64_t prefix = 0;  // tokens before the grid's (tokens layout only)
};

// The grid of an activation of shape `act` for inputs of spatial size (H, W). `requested` is
// auto | nchw | nhwc | tokens; auto decides from the shape: a 4-D activation whose last two or
// middle two dimensions form a grid of the input's aspect (not both), a 3-D one whose token count
// is g^2 plus fewer than g prefix tokens. What cannot be read as asked is a UserError naming the
// layer, the shape and the choices.
Grid grid_of(const std::vector<int64_t>& act, int64_t H, int64_t W, const std::string& requested,
             const std::string& layer);

// Like grid_of with auto, but answers "no grid" instead of raising (for choosing a default layer).
bool find_grid(const std::vector<int64_t>& act, int64_t H, int64_t W, Grid& out);

// t (an activation or its gradient) as (N, C, h, w).
torch::Tensor to_nchw(const torch::Tensor& t, const Grid& g);

const char* layout_name(Layout l);

}  // namespace fass
