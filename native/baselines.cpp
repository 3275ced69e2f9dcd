#include "baselines.h"
#include "errors.h"
#include "filters.h"

namespace fass {

const char* const kBaselineKinds = "black, mean, blur, uniform, gaussian, file";

torch::Tensor make_baseline(const std::string& kind, const torch::Tensor& x, const Params& p, SampleRng& rng) {
  const auto per_sample = x.sizes().slice(1).vec();
  if (kind == "black") return torch::zeros_like(x);
  if (kind == "mean") {
    auto m = p.tensor("mean_colour");
    if (!m.defined()) throw UserError("baseline 'mean' needs the dataset's mean colour, and none was given");
    if (m.numel() != x.size(1))
      throw UserError("baseline 'mean': mean colour has " + std::to_string(m.numel()) + " channel(s), the images " +
                      std::to_string(x.size(1)));
    return m.to(x.device(), x.scalar_type()).view({1, -1, 1, 1}).expand_as(x).contiguous();
  }
  if (kind == "blur") return gaussian_blur(x, p.number("blur_sigma"));
  if (kind == "uniform") return rng.rand(per_sample, x.device()).to(x.scalar_type());
  if (kind == "gaussian") {
    const double s = p.number("gaussian_sigma");
    return (x + rng.randn(per_sample, x.device()).to(x.scalar_type()) * s).clamp(0, 1);
  }
  if (kind == "file") {
    auto b = p.tensor("baseline_image");
    if (!b.defined()) throw UserError("baseline 'file' needs a baseline image");
    b = b.to(x.device(), x.scalar_type());
    if (b.dim() == 3) b = b.unsqueeze(0);
    if (b.sizes().slice(1) != x.sizes().slice(1) || (b.size(0) != 1 && b.size(0) != x.size(0)))
      throw UserError("baseline image has shape " + shape_str(b.sizes().vec()) + ", the images " +
                      shape_str(x.sizes().vec()) + ": give (C,H,W) or (N,C,H,W) matching them");
    return b.expand_as(x).contiguous();
  }
  throw UserError("unknown baseline '" + kind + "': expected one of " + kBaselineKinds);
}

}  // namespace fass
