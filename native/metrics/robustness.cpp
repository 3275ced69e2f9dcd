#include "metrics/robustness.h"
#include "errors.h"

#include <limits>

namespace fass::robustness {

namespace {

constexpr double kGuard = 1e-6;  // Agarwal et al. 2022's epsilon, for divisions and the denominator floor

// (rows, values) float64 view of a batch.
torch::Tensor flat(const torch::Tensor& t) { return t.reshape({t.size(0), -1}).to(torch::kFloat64); }

// a / b element-wise, with b's zeros replaced by the guard.
torch::Tensor guarded_div(const torch::Tensor& a, const torch::Tensor& b) {
  return a / torch::where(b == 0, torch::full_like(b, kGuard), b);
}

}  // namespace

const std::vector<std::string>& metric_names() {
  static const std::vector<std::string> names = {"max_sensitivity", "avg_sensitivity", "local_lipschitz", "ris", "ros"};
  return names;
}

Noise parse_noise(const std::string& name) {
  if (name == "uniform") return Noise::Uniform;
  if (name == "gaussian") return Noise::Gaussian;
  throw UserError("noise '" + name + "': expected uniform or gaussian");
}

bool takes_mean(const std::string& metric) { return metric == "avg_sensitivity"; }

torch::Tensor neighbours(const torch::Tensor& x, SampleRng& rng, Noise kind, int64_t n, double scale,
                         const torch::Tensor& fixed) {
  TORCH_CHECK(x.dim() == 4, "neighbours: x must be (N,C,H,W)");
  if (n < 1) throw UserError("samples " + std::to_string(n) + ": must be an integer >= 1");
  const int64_t N = x.size(0);
  torch::Tensor noise;
  if (fixed.defined()) {
    const std::vector<int64_t> want = {N, n, x.size(1), x.size(2), x.size(3)};
    if (fixed.sizes().vec() != want)
      throw ShapeError("neighbours: the fixed noise must be (N, n, C, H, W)", want, fixed.sizes().vec());
    noise = fixed.to(x.device(), x.scalar_type());
  } else {
    if (rng.size() != N) throw UserError("neighbours: " + std::to_string(rng.size()) + " seeds for " + std::to_string(N) + " samples");
    const std::vector<int64_t> per = {n, x.size(1), x.size(2), x.size(3)};
    if (kind == Noise::Uniform) noise = (rng.rand(per, x.device()) * 2 - 1).to(x.scalar_type()) * scale;
    else noise = rng.randn(per, x.device()).to(x.scalar_type()) * scale;
  }
  return (x.unsqueeze(1) + noise).reshape({N * n, x.size(1), x.size(2), x.size(3)});
}

torch::Tensor per_neighbour(const std::string& metric, const torch::Tensor& x, const torch::Tensor& xn,
                            const torch::Tensor& g, const torch::Tensor& gn, const torch::Tensor& logits,
                            const torch::Tensor& logits_n) {
  const int64_t N = g.size(0);
  if (N == 0) return torch::empty({0, 0}, torch::kFloat64);
  TORCH_CHECK(gn.size(0) % N == 0, "per_neighbour: neighbour maps are not a multiple of the samples");
  const int64_t n = gn.size(0) / N;
  // Clean rows repeated once per neighbour, sample-major like the neighbours.
  auto rep = [n](const torch::Tensor& t) { return t.repeat_interleave(n, 0); };
  const auto G = flat(g), Gn = flat(gn);
  const auto dG = rep(G) - Gn;
  torch::Tensor v;
  if (metric == "max_sensitivity" || metric == "avg_sensitivity") {
    v = dG.norm(2, 1) / rep(G.norm(2, 1));
  } else if (metric == "local_lipschitz") {
    v = dG.norm(2, 1) / (rep(flat(x)) - flat(xn)).norm(2, 1);
  } else if (metric == "ris" || metric == "ros") {
    const auto num = guarded_div(dG, rep(G)).norm(2, 1);
    torch::Tensor den;
    if (metric == "ris") {
      const auto X = flat(x);
      den = guarded_div(rep(X) - flat(xn), rep(X)).norm(2, 1);
    } else {
      TORCH_CHECK(logits.defined() && logits_n.defined(), "ros needs the logits of the samples and of their neighbours");
      const auto L = flat(logits);
      den = guarded_div(rep(L) - flat(logits_n), rep(L)).norm(2, 1);
    }
    v = num / den.clamp_min(kGuard);
  } else {
    std::string known;
    for (const auto& m : metric_names()) known += (known.empty() ? "" : ", ") + m;
    throw UserError("unknown robustness metric '" + metric + "': expected one of " + known);
  }
  return v.view({N, n}).to(torch::kCPU);
}

torch::Tensor reduce(const torch::Tensor& values, const torch::Tensor& keep, bool mean) {
  const auto v = values.to(torch::kCPU, torch::kFloat64).contiguous();
  const auto k = keep.to(torch::kCPU, torch::kBool).contiguous();
  TORCH_CHECK(v.sizes() == k.sizes(), "reduce: values and keep differ in shape");
  const int64_t N = v.size(0), n = v.dim() > 1 ? v.size(1) : 0;
  auto out = torch::empty({N}, torch::kFloat64);
  const double* pv = v.data_ptr<double>();
  const bool* pk = k.data_ptr<bool>();
  double* po = out.data_ptr<double>();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (int64_t i = 0; i < N; ++i) {
    double acc = mean ? 0 : -std::numeric_limits<double>::infinity();
    int64_t used = 0;
    bool bad = false;
    for (int64_t j = 0; j < n; ++j) {
      if (!pk[i * n + j]) continue;
      const double x = pv[i * n + j];
      if (std::isnan(x)) bad = true;
      acc = mean ? acc + x : std::max(acc, x);
      ++used;
    }
    po[i] = bad || used == 0 ? nan : mean ? acc / static_cast<double>(used) : acc;
  }
  return out;
}

}  // namespace fass::robustness
