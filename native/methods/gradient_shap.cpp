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
// Rows of the gradients multiplied by their factor at once (a block that stays in cache).
constexpr int64_t kProductRows = 256;

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
    if (stdev > 0) noise = rng.randn(per_sample, dev).to(x.scalar_type()) * stdev;
  }
  which = which.to(dev, torch::kInt64);
  alphas = alphas.to(dev, x.scalar_type());
  // e per row; without noise one row of zeros for all (x + 0, as with an (N,k,C,H,W) block of them).
  const bool one_e = !noise.defined();
  noise = one_e ? torch::zeros({1, x.size(1), x.size(2), x.size(3)}, x.options())
                : noise.to(dev, x.scalar_type()).reshape({n * k, x.size(1), x.size(2), x.size(3)});
  // Row r = i k + j is sample i's draw j. Its baseline, x + e - x0_j and point are made for the
  // rows of one chunk at a time, element by element as for the whole batch at once: the
  // (N,k,C,H,W) blocks are never held, only the gradients.
  const auto index = torch::TensorOptions().dtype(torch::kInt64).device(dev);
  const auto sample = torch::arange(n, index).repeat_interleave(k);
  const auto base_row = sample * nb + which.view({n * k});
  const auto bases_rows = bases.view({n * nb, x.size(1), x.size(2), x.size(3)});
  const auto alpha_rows = alphas.view({n * k, 1, 1, 1});
  auto chosen = [&](int64_t b, int64_t e) { return bases_rows.index_select(0, base_row.slice(0, b, e)); };
  auto delta = [&](int64_t b, int64_t e, const torch::Tensor& x0) {
    const auto e_rows = one_e ? noise : noise.slice(0, b, e);
    return (x.index_select(0, sample.slice(0, b, e)) + e_rows) - x0;
  };
  auto g = run.grads(n * k, [&](int64_t b, int64_t e) {
    const auto x0 = chosen(b, e);
    return x0 + alpha_rows.slice(0, b, e) * delta(b, e, x0);
  }, targets.repeat_interleave(k)).to(x.scalar_type());
  // The gradients times (x + e - x0_j), in place, a chunk of rows at a time (made again: cheaper
  // than holding the block); then the mean over draws.
  for (int64_t b = 0; b < n * k; b += kProductRows) {
    const int64_t e = std::min(n * k, b + kProductRows);
    g.slice(0, b, e).mul_(delta(b, e, chosen(b, e)));
  }
  auto attr = g.view({n, k, x.size(1), x.size(2), x.size(3)}).mean(1);
  return {attr, {}};
}

}  // namespace fass
