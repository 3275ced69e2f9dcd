#include "activation_layout.h"
#include "errors.h"

#include <cmath>

namespace fass {

namespace {

// (h, w) is a grid of inputs (H, W) when it downsamples both sides by about the same stride.
bool is_grid(int64_t h, int64_t w, int64_t H, int64_t W) {
  if (h < 1 || w < 1 || h > H || w > W) return false;
  const double sh = double(H) / h, sw = double(W) / w;
  return std::max(sh, sw) / std::min(sh, sw) <= 1.5;
}

int64_t token_side(int64_t tokens) {
  auto g = static_cast<int64_t>(std::sqrt(double(tokens)));
  while (g * g > tokens) --g;
  while ((g + 1) * (g + 1) <= tokens) ++g;
  return g;
}

std::string choices(const std::string& layer, const std::vector<int64_t>& act) {
  return "layer '" + layer + "' gives activations of shape " + shape_str(act);
}

}  // namespace

const char* layout_name(Layout l) {
  switch (l) {
    case Layout::nchw: return "nchw";
    case Layout::nhwc: return "nhwc";
    default: return "tokens";
  }
}

Grid grid_of(const std::vector<int64_t>& a, int64_t H, int64_t W, const std::string& requested,
             const std::string& layer) {
  static const char* accepted = "; reshape accepts auto, nchw (N,C,h,w), nhwc (N,h,w,C) or tokens (N,T,D)";
  if (requested != "auto" && requested != "nchw" && requested != "nhwc" && requested != "tokens")
    throw UserError("reshape '" + requested + "'" + accepted);
  if (a.size() == 4) {
    const bool nchw = is_grid(a[2], a[3], H, W), nhwc = is_grid(a[1], a[2], H, W);
    if (requested == "nchw" || (requested == "auto" && nchw && !nhwc)) return {Layout::nchw, a[2], a[3]};
    if (requested == "nhwc" || (requested == "auto" && nhwc && !nchw)) return {Layout::nhwc, a[1], a[2]};
    if (requested == "tokens") throw UserError(choices(layer, a) + ", not a token sequence (N,T,D)" + accepted);
    throw UserError(choices(layer, a) + (nchw ? ", which reads as (N,C,h,w) and as (N,h,w,C) alike" :
                                              ", in which no two dimensions form a grid of the " +
                                              std::to_string(H) + "x" + std::to_string(W) + " input") +
                    accepted);
  }
  if (a.size() == 3) {
    if (requested == "nchw" || requested == "nhwc")
      throw UserError(choices(layer, a) + ", which has no (h,w) pair for " + requested + accepted);
    const int64_t g = token_side(a[1]), prefix = a[1] - g * g;
    if (g < 1) throw UserError(choices(layer, a) + ": no token grid" + accepted);
    if (requested == "auto" && (prefix >= g || !is_grid(g, g, H, W)))
      throw UserError(choices(layer, a) + ": " + std::to_string(a[1]) + " tokens is a " + std::to_string(g) + "x" +
                      std::to_string(g) + " grid only with " + std::to_string(prefix) +
                      " prefix tokens, which auto does not assume; pass reshape=tokens to read it so, or choose another layer");
    return {Layout::tokens, g, g, prefix};
  }
  throw UserError(choices(layer, a) + ", which has no spatial grid; choose a layer with a (N,C,h,w), (N,h,w,C) or (N,T,D) output");
}

bool find_grid(const std::vector<int64_t>& act, int64_t H, int64_t W, Grid& out) {
  try {
    out = grid_of(act, H, W, "auto", "");
    return true;
  } catch (const UserError&) {
    return false;
  }
}

torch::Tensor to_nchw(const torch::Tensor& t, const Grid& g) {
  switch (g.layout) {
    case Layout::nchw: return t;
    case Layout::nhwc: return t.permute({0, 3, 1, 2});
    default: return t.slice(1, g.prefix).reshape({t.size(0), g.h, g.w, t.size(2)}).permute({0, 3, 1, 2});
  }
}

}  // namespace fass
