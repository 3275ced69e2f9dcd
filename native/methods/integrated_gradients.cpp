// Integrated Gradients (Sundararajan et al. 2017), computed as Captum's IntegratedGradients does:
// points x0 + a_s (x - x0) for all steps s and samples (step-major), gradients weighted by w_s and
// summed over steps, times (x - x0). Also the completeness gap sum(attr) - (f_t(x) - f_t(x0)).
// With a tolerance (n_steps auto), each image's quadrature is refined until its map settles.
#include "methods.h"
#include "baselines.h"
#include "quadrature.h"

#include <numeric>

namespace fass {

namespace {

// Gradients at x0 + a (x - x0) for every a of alphas and every row of x0, step-major (row r is
// sample r % n at step r / n), made chunk by chunk.
torch::Tensor path_grads(GradientRunner& run, const torch::Tensor& x0, const torch::Tensor& diff,
                         const torch::Tensor& targets, const std::vector<double>& alphas) {
  const int64_t n = x0.size(0), steps = static_cast<int64_t>(alphas.size());
  auto points = [&](int64_t b, int64_t e) {
    std::vector<torch::Tensor> parts;
    for (int64_t r = b; r < e;) {
      const int64_t s = r / n, i0 = r % n, i1 = std::min(n, i0 + (e - r));
      parts.push_back(x0.slice(0, i0, i1) + alphas[static_cast<size_t>(s)] * diff.slice(0, i0, i1));
      r += i1 - i0;
    }
    return parts.size() == 1 ? parts[0] : torch::cat(parts);
  };
  return run.grads(n * steps, points, targets.repeat({steps}));
}

// total += sum_s w_s g_s, one step at a time: each element's sum then runs in the same order
// whatever the batch (Captum reduces over the steps at once; a reduction's blocking varies).
void add_steps(torch::Tensor& total, const torch::Tensor& g, const std::vector<double>& weights) {
  const int64_t n = total.size(0);
  for (size_t s = 0; s < weights.size(); ++s) {
    const auto rows = g.slice(0, static_cast<int64_t>(s) * n, static_cast<int64_t>(s + 1) * n);
    total.add_(rows * static_cast<float>(weights[s]));
  }
}

torch::Tensor row_sums(const torch::Tensor& t) { return t.reshape({t.size(0), -1}).sum(1); }

// f_t(x) - f_t(x0) per sample: what a complete attribution sums to.
torch::Tensor logit_rise(GradientRunner& run, const torch::Tensor& x, const torch::Tensor& x0, const torch::Tensor& targets) {
  return run.target_logits(x, targets) - run.target_logits(x0, targets);
}

AttributionOutput fixed_steps(GradientRunner& run, const torch::Tensor& x, const torch::Tensor& targets,
                              const torch::Tensor& x0, const Params& p) {
  const auto q = quadrature(p.text("method"), p.integer("n_steps"));
  const auto diff = x - x0;
  auto total = torch::zeros_like(x);
  add_steps(total, path_grads(run, x0, diff, targets, q.alphas), q.weights);
  auto attr = total * diff;
  auto gap = row_sums(attr) - logit_rise(run, x, x0, targets);
  return {attr, {{"completeness_gap", gap}}};
}

// The first level of the auto ladder; each next level has three times the steps.
constexpr int64_t kFirstLevel = 6;

// n_steps auto: Captum's riemann_middle rule, nodes (j + 1/2) / n, at n = 6, 18, 54, ... Tripling
// n keeps every node of the level before, so a level costs only its new nodes. An image stops at
// the first level whose map moved by at most `tolerance` (relative L2) from the level before and
// whose completeness gap is at most `tolerance` times |f_t(x) - f_t(x0)|, or at max_steps. Each
// image's numbers depend on its own nodes only: the same whatever else is in the batch.
AttributionOutput auto_steps(GradientRunner& run, const torch::Tensor& x, const torch::Tensor& targets,
                             const torch::Tensor& x0, const Params& p) {
  const double tol = p.number("tolerance");
  const int64_t max_steps = p.integer("max_steps"), n = x.size(0);
  if (max_steps < kFirstLevel)
    throw UserError("max_steps " + std::to_string(max_steps) + ": must be at least " + std::to_string(kFirstLevel));
  const auto diff = x - x0;
  const auto delta = logit_rise(run, x, x0, targets).to(torch::kCPU);
  auto sums = torch::zeros_like(x), attr = torch::zeros_like(x);
  auto gap = torch::zeros({n}), steps = torch::zeros({n}), change = torch::full({n}, INFINITY), done = torch::zeros({n});
  std::vector<int64_t> active(static_cast<size_t>(n));
  std::iota(active.begin(), active.end(), 0);
  for (int64_t level = kFirstLevel; !active.empty() && level <= max_steps; level *= 3) {
    std::vector<double> alphas;
    for (int64_t j = 0; j < level; ++j)
      if (level == kFirstLevel || j % 3 != 1) alphas.push_back((static_cast<double>(j) + 0.5) / static_cast<double>(level));
    const auto idx = torch::tensor(active, torch::kInt64).to(x.device());
    auto s = sums.index_select(0, idx);
    const auto d = diff.index_select(0, idx);
    add_steps(s, path_grads(run, x0.index_select(0, idx), d, targets.index_select(0, idx), alphas),
              std::vector<double>(alphas.size(), 1.0));
    const auto a = s * d / static_cast<float>(level);
    // Relative L2 movement from the level before (none at the first level).
    const auto moved = level == kFirstLevel ? torch::full({a.size(0)}, INFINITY)
        : ((a - attr.index_select(0, idx)).reshape({a.size(0), -1}).norm(2, 1) /
           a.reshape({a.size(0), -1}).norm(2, 1).clamp_min(1e-30)).to(torch::kCPU);
    const auto g = row_sums(a).to(torch::kCPU) - delta.index_select(0, idx.cpu());
    sums.index_copy_(0, idx, s);
    attr.index_copy_(0, idx, a);
    const auto mv = moved.accessor<float, 1>(), gk = g.accessor<float, 1>(), dl = delta.accessor<float, 1>();
    auto gap_i = gap.accessor<float, 1>(), steps_i = steps.accessor<float, 1>(), change_i = change.accessor<float, 1>(), done_i = done.accessor<float, 1>();
    std::vector<int64_t> next;
    for (size_t k = 0; k < active.size(); ++k) {
      const int64_t i = active[k], j = static_cast<int64_t>(k);
      gap_i[i] = gk[j];
      steps_i[i] = static_cast<float>(level);
      change_i[i] = mv[j];
      if (mv[j] <= tol && std::fabs(gk[j]) <= tol * std::fabs(dl[i])) done_i[i] = 1.0f;
      else next.push_back(i);
    }
    active = std::move(next);
  }
  return {attr, {{"completeness_gap", gap}, {"steps", steps}, {"change", change}, {"converged", done}}};
}

}  // namespace

AttributionOutput integrated_gradients(GradientRunner& run, const torch::Tensor& x, const torch::Tensor& targets,
                                       const Params& p, SampleRng& rng) {
  const auto x0 = make_baseline(p.text("baseline"), x, p, rng);
  return p.has("tolerance") ? auto_steps(run, x, targets, x0, p) : fixed_steps(run, x, targets, x0, p);
}

}  // namespace fass
