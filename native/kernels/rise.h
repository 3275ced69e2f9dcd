// RISE masks (Petsiuk et al. 2018): an s x s grid of Bernoulli(p) cells, bilinearly upsampled to
// (s+1) cells of ceil(H/s) x ceil(W/s) pixels, cropped to H x W at a random offset within a cell.
// The draws are small (grids and offsets); masks are made from them a chunk at a time.
#pragma once
#include <torch/torch.h>

namespace fass::kernels {

struct RiseDraws {
  torch::Tensor grids;   // (n,1,s,s) float32 in {0,1}
  torch::Tensor shifts;  // (n,2) int64: row and column offset of each crop
};

// From one CPU generator seeded with `seed`: grids = rand(n,1,s,s) < p, then the row offsets
// randint(ceil(H/s), n), then the column offsets randint(ceil(W/s), n).
RiseDraws rise_draws(uint64_t seed, int64_t n, int64_t s, double p, int64_t h, int64_t w);

// Keep masks (end-start,1,H,W) float32 for draws [start, end). Upsampling is
// interpolate(bilinear, align_corners=False), which equals skimage's resize(order=1,
// mode='reflect') used by the RISE authors.
torch::Tensor rise_masks(const RiseDraws& d, int64_t start, int64_t end, int64_t h, int64_t w);

}  // namespace fass::kernels
