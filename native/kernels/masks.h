// Masks and masked composites for the black-box methods. Every mask here is a *keep* mask,
// (K,1,H,W) float32: 1 keeps the input pixel, 0 replaces it with the baseline, values between
// blend (RISE). The channel dimension is 1 so one mask covers all channels.
#pragma once
#include <torch/torch.h>

namespace fass::kernels {

// Captum Occlusion's window positions over an (H,W) image, as keep masks with one extra row in
// front: row 0 is all ones (the clean image), row 1 + p keeps everything but window p. Window p
// starts at (iy * stride_h, ix * stride_w) with iy fastest (Captum's feature order), for
// iy < ceil((H - window_h) / stride_h) + 1, and is clipped at the image border as Captum's are.
torch::Tensor occlusion_masks(int64_t h, int64_t w, int64_t window_h, int64_t window_w, int64_t stride_h,
                              int64_t stride_w);

// Occlusion's map from the scores of occlusion_masks' rows: each pixel averages
// scores[0] - scores[1 + p] over the windows p covering it. Sums run window by window in float32,
// in Captum's order, so the result matches Captum's to rounding. Returns (1,H,W) float32.
torch::Tensor occlusion_average(const torch::Tensor& scores, const torch::Tensor& masks);

// images[sample] * keep + baseline * (1 - keep) for keep rows [start, end): (end-start,C,H,W) on
// the images' device. baseline is (C) (a colour) or (C,H,W). With `into` (a CPU float32 tensor of
// that many values, e.g. memory JavaScript hands over) the rows are written there and it is returned.
torch::Tensor compose(const torch::Tensor& images, int64_t sample, const torch::Tensor& keep, int64_t start,
                      int64_t end, const torch::Tensor& baseline, const torch::Tensor& into = {});

// acc + sum_k scores[k] * masks[k] in float64, (1,H,W); acc may be undefined (start from zero).
// float64 so that how the masks were split into chunks does not show in the float32 result.
torch::Tensor accumulate_masks(const torch::Tensor& acc, const torch::Tensor& scores, const torch::Tensor& masks);

}  // namespace fass::kernels
