// Photometric perturbations of (N,C,H,W) pixels in [0,1] (SPEC.md section 3).
#include "perturb.h"
#include "errors.h"
#include "filters.h"
#include "sample_rng.h"

namespace fass::perturb {

torch::Tensor brightness(const torch::Tensor& x, double factor) {
  check_batch(x, "the batch to perturb");
  return (x * factor).clamp(0, 1);
}

torch::Tensor contrast(const torch::Tensor& x, double factor) {
  check_batch(x, "the batch to perturb");
  torch::Tensor grey;
  if (x.size(1) == 3) {
    // torchvision's rgb_to_grayscale weights (ITU-R 601-2 luma)
    grey = 0.2989 * x.select(1, 0) + 0.587 * x.select(1, 1) + 0.114 * x.select(1, 2);
    grey = grey.mean({1, 2}, /*keepdim=*/false);
  } else {
    grey = x.mean({1, 2, 3});
  }
  auto m = grey.view({x.size(0), 1, 1, 1}).to(x.scalar_type());
  return (factor * x + (1.0 - factor) * m).clamp(0, 1);
}

torch::Tensor gamma(const torch::Tensor& x, double g) {
  check_batch(x, "the batch to perturb");
  if (!(g > 0)) throw UserError("gamma must be > 0, got " + std::to_string(g));
  return x.clamp(0, 1).pow(g);
}

torch::Tensor blur(const torch::Tensor& x, double sigma) {
  check_batch(x, "the batch to perturb");
  if (!(sigma >= 0)) throw UserError("blur sigma must be >= 0 pixels, got " + std::to_string(sigma));
  return gaussian_blur(x, sigma);
}

torch::Tensor noise(const torch::Tensor& x, double sigma, const torch::Tensor& seeds) {
  check_batch(x, "the batch to perturb");
  if (!(sigma >= 0)) throw UserError("noise sigma must be >= 0, got " + std::to_string(sigma));
  if (!seeds.defined() || seeds.dim() != 1 || seeds.size(0) != x.size(0))
    throw ShapeError("noise needs one seed per sample: " + std::to_string(x.size(0)) + " samples, seeds shaped " +
                         (seeds.defined() ? shape_str(seeds.sizes().vec()) : std::string("nothing")),
                     {x.size(0)}, seeds.defined() ? seeds.sizes().vec() : std::vector<int64_t>{});
  SampleRng rng(seeds);
  auto e = rng.randn({x.size(1), x.size(2), x.size(3)}, x.device()).to(x.scalar_type());
  return (x + sigma * e).clamp(0, 1);
}

}  // namespace fass::perturb
