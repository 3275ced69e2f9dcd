// Image filters shared by baselines, perturbations and faithfulness: one implementation each.
#pragma once
#include <torch/torch.h>

namespace fass {

// Separable Gaussian blur of (N,C,H,W), per channel, with borders as scipy.ndimage.gaussian_filter's
// default mode='reflect'. kernel_size <= 0: radius int(3.5 sigma + 0.5) (scipy, truncate 3.5);
// otherwise radius kernel_size / 2.
torch::Tensor gaussian_blur(const torch::Tensor& x, double sigma, int64_t kernel_size = 0);

}  // namespace fass
