// Integrated Gradients (Sundararajan et al. 2017), computed as Captum's IntegratedGradients does:
// points x0 + a_s (x - x0) for all steps s and samples (step-major), gradients weighted by w_s and
// summed over steps, times (x - x0). Also the completeness gap sum(attr) - (f_t(x) - f_t(x0)).
#include "methods.h"
#include "baselines.h"
#include "quadrature.h"

namespace fass {

AttributionOutput integrated_gradients(GradientRunner& run, const torch::Tensor& x, const torch::Tensor& targets,
                                       const Params& p, SampleRng& rng) {
  const auto q = quadrature(p.text("method"), p.integer("n_steps"));
  const int64_t n = x.size(0), steps = static_cast<int64_t>(q.alphas.size());
  const auto x0 = make_baseline(p.text("baseline"), x, p, rng);
  const auto diff = x - x0;
  // Rows [b, e) of the step-major point set: row r is sample r % n at step r / n.
  auto points = [&](int64_t b, int64_t e) {
    std::vector<torch::Tensor> parts;
    for (int64_t r = b; r < e;) {
      const int64_t s = r / n, i0 = r % n, i1 = std::min(n, i0 + (e - r));
      parts.push_back(x0.slice(0, i0, i1) + q.alphas[static_cast<size_t>(s)] * diff.slice(0, i0, i1));
      r += i1 - i0;
    }
    return parts.size() == 1 ? parts[0] : torch::cat(parts);
  };
  auto t_rows = targets.repeat({steps});
  auto g = run.grads(n * steps, points, t_rows);
  // Captum sums w_s g_s with one reduction over the steps; we add them up one step at a time, so
  // each element's sum runs in the same order whatever the batch (a reduction's blocking does not).
  auto total = torch::zeros_like(x);
  for (int64_t s = 0; s < steps; ++s)
    total.add_(g.slice(0, s * n, (s + 1) * n) * static_cast<float>(q.weights[static_cast<size_t>(s)]));
  auto attr = total * diff;
  auto f_x = run.target_logits(x, targets), f_x0 = run.target_logits(x0, targets);
  auto gap = attr.reshape({n, -1}).sum(1) - (f_x - f_x0);
  return {attr, {{"completeness_gap", gap}}};
}

}  // namespace fass
