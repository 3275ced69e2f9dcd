// Superpixel segmentations and the masks LIME and Kernel SHAP build from them. A segmentation is
// (H,W) int64 labels in [0, M); batches are (N,H,W).
#pragma once
#include <torch/torch.h>
#include <vector>

namespace fass::kernels {

// A k x k grid: pixel (y, x) is in segment (y * k / H) * k + (x * k / W) (integer division), so
// every segment is non-empty when k <= H and k <= W.
torch::Tensor grid_segments(int64_t h, int64_t w, int64_t k);

struct SlicOptions {
  int64_t n_segments = 50;
  double compactness = 10;
  int64_t max_iter = 10;
  double min_size_factor = 0.5;  // components smaller than this x the mean size merge into a neighbour
  double max_size_factor = 3;    // components stop growing at this x the mean size
};

// SLIC superpixels of each image of x (N,C,H,W) in [0,1], as scikit-image's slic(sigma=0,
// enforce_connectivity=True, start_label=0) computes them: 3 channels in CIELAB (D65), other
// channel counts as they are. Returns (N,H,W) int64 labels; `segments` gets each image's M.
torch::Tensor slic(const torch::Tensor& x, const SlicOptions& o, std::vector<int64_t>& segments);

// Keep masks (end-start,1,H,W) for rows [start, end) of the binary design z (S,M): pixel p of mask
// s is z[s, labels[p]].
torch::Tensor segment_masks(const torch::Tensor& labels, const torch::Tensor& z, int64_t start, int64_t end);

// values[labels]: (1,H,W) float32, each pixel its segment's value.
torch::Tensor segment_values(const torch::Tensor& labels, const torch::Tensor& values);

// A binary design (head.size() + draws, M) float32: first the fixed rows `head` (1: all ones, 0:
// all zeros), then `draws` rows of Bernoulli(p) entries from a CPU generator seeded with `seed`.
torch::Tensor binary_samples(uint64_t seed, int64_t draws, int64_t m, double p, const std::vector<int>& head);

}  // namespace fass::kernels
