#include "kernels/wls.h"
#include "kernels/checks.h"
#include "compat.h"

#include <cmath>

namespace fass::kernels {

namespace {
torch::Tensor f64(const torch::Tensor& t) { return t.to(torch::kCPU, torch::kFloat64).contiguous(); }
}  // namespace

LinearFit weighted_ridge(const torch::Tensor& x_in, const torch::Tensor& y_in, const torch::Tensor& w_in,
                         double alpha, bool fit_intercept) {
  auto x = f64(x_in), y = f64(y_in).view(-1), w = f64(w_in).view(-1);
  require(x.dim() == 2 && y.size(0) == x.size(0) && w.size(0) == x.size(0),
          "weighted_ridge: X must be (S,P) with y and w of length S");
  require(alpha >= 0, "ridge alpha must be >= 0, got " + std::to_string(alpha));
  require(w.numel() == 0 || w.min().item<double>() >= 0, "weighted_ridge: weights must be >= 0");
  const int64_t s = x.size(0), p = x.size(1);
  LinearFit fit;
  if (p == 0) {
    fit.coef = torch::zeros({0}, torch::kFloat64);
    fit.intercept = fit_intercept && w.sum().item<double>() > 0 ? (w * y).sum().item<double>() / w.sum().item<double>() : 0;
    return fit;
  }
  auto x_mean = torch::zeros({p}, torch::kFloat64);
  double y_mean = 0;
  const double total = w.sum().item<double>();
  if (fit_intercept && total > 0) {
    x_mean = torch::mv(x.t(), w) / total;
    y_mean = (w * y).sum().item<double>() / total;
  }
  const auto sw = w.sqrt();
  auto a = (x - x_mean) * sw.view({s, 1});
  auto b = (y - y_mean) * sw;
  if (alpha > 0) {
    a = torch::cat({a, std::sqrt(alpha) * torch::eye(p, torch::kFloat64)}, 0);
    b = torch::cat({b, torch::zeros({p}, torch::kFloat64)}, 0);
  }
  fit.coef = std::get<0>(at::linalg_lstsq(a, b.view({-1, 1}), FASS_NULLOPT, "gelsd")).view(-1);
  fit.intercept = y_mean - torch::dot(x_mean, fit.coef).item<double>();
  return fit;
}

torch::Tensor lime_weights(const torch::Tensor& z, double kernel_width) {
  require(kernel_width > 0, "LIME kernel width must be positive");
  const auto zd = f64(z);
  const double m = static_cast<double>(zd.size(1));
  const auto on = zd.sum(1);
  // cosine similarity of a binary row with k ones to the all-ones row is k / sqrt(k m)
  const auto cos = torch::where(on > 0, on / (on * m).sqrt(), torch::zeros_like(on));
  const auto d = 1 - cos;
  return (-(d * d) / (kernel_width * kernel_width)).exp().sqrt();
}

LinearFit lime_fit(const torch::Tensor& z, const torch::Tensor& y, double alpha, double kernel_width) {
  return weighted_ridge(z, y, lime_weights(z, kernel_width), alpha, true);
}

torch::Tensor shapley_kernel_weights(const torch::Tensor& z) {
  const auto zd = f64(z);
  const int64_t m = zd.size(1);
  const auto k = zd.sum(1);
  const auto inner = k.gt(0) & k.lt(static_cast<double>(m));
  // log of (M-1) / (C(M,k) k (M-k)), kept finite at k = 0, M (masked out below)
  const auto kc = k.clamp(1, std::max<int64_t>(m - 1, 1));
  const auto logw = std::log(std::max<double>(m - 1, 1)) - std::lgamma(m + 1.0) + torch::lgamma(kc + 1) +
                    torch::lgamma(m - kc + 1) - kc.log() - (m - kc).log();
  auto w = torch::where(inner, logw, torch::full_like(logw, -INFINITY));
  if (!inner.any().item<bool>()) return torch::zeros_like(k);
  return (w - w.max()).exp();
}

torch::Tensor kernel_shap_fit(const torch::Tensor& z_in, const torch::Tensor& y_in, double fx, double f0) {
  const auto z = f64(z_in), y = f64(y_in).view(-1);
  require(z.dim() == 2 && y.size(0) == z.size(0), "kernel_shap_fit: z must be (S,M) with y of length S");
  const int64_t m = z.size(1);
  require(m >= 1, "kernel_shap_fit: no features");
  const double gap = fx - f0;
  if (m == 1) return torch::full({1}, gap, torch::kFloat64);
  const auto w = shapley_kernel_weights(z);
  const auto last = z.select(1, m - 1);
  // y - f0 - z_M gap = sum_{j<M} (z_j - z_M) phi_j
  const auto x = z.narrow(1, 0, m - 1) - last.view({-1, 1});
  const auto target = y - f0 - last * gap;
  const auto head = weighted_ridge(x, target, w, 0, false).coef;
  return torch::cat({head, (gap - head.sum()).view({1})});
}

}  // namespace fass::kernels
