// GradientSHAP (Lundberg & Lee 2017), as Captum's GradientShap: for each of n draws per sample, a
// baseline x0_j from the baseline set, a ~ U(0,1) and e ~ N(0, stdev^2); the gradient at
// x0_j + a (x + e - x0_j) times (x + e - x0_j); the mean over the draws. Tensors `noise`
// (N,n,C,H,W), `alphas` (N,n) and `baseline_index` (N,n) replace the draws, for comparisons.
#include "methods.h"
#include "baselines.h"
#include "errors.h"

#include <sstream>

namespace fass {

namespace {
std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}
}  // namespace

AttributionOutput gradient_shap(GradientRunner& run, const torch::Tensor& x, const torch::Tensor& targets,
                                const Params& p, SampleRng& rng) {
  const int64_t n = x.size(0), k = p.integer("n_samples");
  if (k < 1) throw UserError("n_samples " + std::to_string(k) + ": must be an integer >= 1");
  const auto kinds = split(p.text("baselines"));
  if (kinds.empty()) throw UserError("baselines: name at least one baseline");
  std::vector<torch::Tensor> set;
  for (const auto& kind : kinds) set.push_back(make_baseline(kind, x, p, rng));
  auto bases = torch::stack(set, 1);  // (N, B, C, H, W)
  const int64_t nb = bases.size(1);
  auto dev = x.device();
  auto noise = p.tensor("noise"), alphas = p.tensor("alphas"), which = p.tensor("baseline_index");
  auto per_sample = x.sizes().vec();
  per_sample[0] = k;
  if (!which.defined()) which = rng.randint(nb, {k}, dev);
  if (!alphas.defined()) alphas = rng.rand({k}, dev);
  if (!noise.defined()) {
    const double stdev = p.number("stdev");
    noise = stdev > 0 ? rng.randn(per_sample, dev).to(x.scalar_type()) * stdev
                      : torch::zeros({n, k, x.size(1), x.size(2), x.size(3)}, x.options());
  }
  which = which.to(dev, torch::kInt64);
  alphas = alphas.to(dev, x.scalar_type());
  noise = noise.to(dev, x.scalar_type());
  auto chosen = bases.gather(1, which.view({n, k, 1, 1, 1}).expand({n, k, x.size(1), x.size(2), x.size(3)}));
  auto delta = (x.unsqueeze(1) + noise) - chosen;  // (N, k, C, H, W)
  auto pts = (chosen + alphas.view({n, k, 1, 1, 1}) * delta).reshape({n * k, x.size(1), x.size(2), x.size(3)});
  auto g = run.grads(n * k, [&](int64_t b, int64_t e) { return pts.slice(0, b, e); }, targets.repeat_interleave(k));
  auto attr = (g.view_as(delta) * delta).mean(1);
  return {attr, {}};
}

}  // namespace fass
