// SmoothGrad (Smilkov et al. 2017) and its variants, as Captum's NoiseTunnel over Saliency:
// n noisy copies x + e, e ~ N(0, (s (max x - min x))^2) per sample; the mean of the gradients
// (`smoothgrad`), of their squares (`smoothgrad_sq`), or their variance (`vargrad`). Gradients are
// signed unless abs is set (Captum's Saliency takes abs by default). A `noise` tensor (N, n, C,H,W)
// replaces the draws, to compare with other tools on the same noise.
#include "methods.h"
#include "errors.h"

namespace fass {

AttributionOutput smoothgrad(GradientRunner& run, const torch::Tensor& x, const torch::Tensor& targets, const Params& p,
                             SampleRng& rng) {
  const int64_t n = x.size(0), k = p.integer("n");
  if (k < 1) throw UserError("n " + std::to_string(k) + ": must be an integer >= 1");
  const std::string variant = p.text("variant");
  if (variant != "smoothgrad" && variant != "smoothgrad_sq" && variant != "vargrad")
    throw UserError("variant '" + variant + "': expected smoothgrad, smoothgrad_sq or vargrad");
  auto per_sample = x.sizes().vec();
  per_sample[0] = k;  // (n, C, H, W) draws per sample
  auto noise = p.tensor("noise");
  if (noise.defined()) {
    noise = noise.to(x.device(), x.scalar_type());
  } else {
    auto flat = x.reshape({n, -1});
    auto range = (std::get<0>(flat.max(1)) - std::get<0>(flat.min(1))).view({n, 1, 1, 1, 1});
    noise = rng.randn(per_sample, x.device()).to(x.scalar_type()) * (p.number("s") * range);
  }
  // Sample-major rows, as Captum's repeat_interleave: row r is sample r / k, draw r % k.
  auto noisy = (x.unsqueeze(1) + noise).reshape({n * k, x.size(1), x.size(2), x.size(3)});
  auto g = run.grads(n * k, [&](int64_t b, int64_t e) { return noisy.slice(0, b, e); },
                     targets.repeat_interleave(k));
  if (p.flag("abs")) g = g.abs();
  g = g.view({n, k, x.size(1), x.size(2), x.size(3)});
  auto mean = g.mean(1);
  if (variant == "smoothgrad") return {mean, {}};
  auto sq = (g * g).mean(1);
  if (variant == "smoothgrad_sq") return {sq, {}};
  return {sq - mean * mean, {}};
}

}  // namespace fass
