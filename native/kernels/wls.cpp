#include "kernels/wls.h"
#include "kernels/checks.h"
#include "compat.h"

#include <cmath>
#include <optional>
#include <vector>

namespace fass::kernels {

namespace {
torch::Tensor f64(const torch::Tensor& t) { return t.to(torch::kCPU, torch::kFloat64).contiguous(); }

// The weighted means X and y are centred on (zeros without an intercept or with no weight), for
// both solvers.
struct Centre {
  std::vector<double> x;
  double y = 0;
};

Centre weighted_means(const torch::Tensor& x_t, const torch::Tensor& y_t, const torch::Tensor& w_t, bool fit_intercept) {
  const int64_t s = x_t.size(0), p = x_t.size(1);
  const double *x = x_t.data_ptr<double>(), *y = y_t.data_ptr<double>(), *w = w_t.data_ptr<double>();
  Centre c{std::vector<double>(static_cast<size_t>(p), 0.0), 0};
  double total = 0;
  for (int64_t i = 0; i < s; ++i) total += w[i];
  if (!fit_intercept || !(total > 0)) return c;
  for (int64_t i = 0; i < s; ++i) {
    c.y += w[i] * y[i];
    for (int64_t j = 0; j < p; ++j) c.x[j] += w[i] * x[i * p + j];
  }
  c.y /= total;
  for (double& v : c.x) v /= total;
  return c;
}

// alpha > 0: (Xc' W Xc + alpha I) b = Xc' W yc, Xc and yc centred on their weighted means, solved
// by Cholesky (positive definite) in plain loops: sklearn's own route for a dense X (its
// 'cholesky' solver, which 'auto' picks), and two orders of magnitude faster than an SVD
// least-squares solve of the stacked system through LibTorch for LIME's S x M problems (about
// 3 ms -> 30 us per fit at S = 256, M = 50).
// Empty when a pivot is not positive (alpha too small for the design's rounding): the caller
// then takes the least-squares route.
std::optional<LinearFit> ridge_normal_equations(const torch::Tensor& x_t, const torch::Tensor& y_t, const torch::Tensor& w_t, double alpha,
                                                const Centre& centre) {
  const int64_t s = x_t.size(0), p = x_t.size(1);
  const double *x = x_t.data_ptr<double>(), *y = y_t.data_ptr<double>(), *w = w_t.data_ptr<double>();
  const std::vector<double>& xm = centre.x;
  const double ym = centre.y;
  std::vector<double> g(static_cast<size_t>(p * p), 0.0), r(static_cast<size_t>(p), 0.0), xc(static_cast<size_t>(p));
  for (int64_t i = 0; i < s; ++i) {
    if (w[i] == 0) continue;
    for (int64_t j = 0; j < p; ++j) xc[j] = x[i * p + j] - xm[j];
    const double wy = w[i] * (y[i] - ym);
    for (int64_t j = 0; j < p; ++j) {
      const double wj = w[i] * xc[j];
      r[j] += xc[j] * wy;
      double* gj = g.data() + j * p;
      for (int64_t k = 0; k <= j; ++k) gj[k] += wj * xc[k];  // lower triangle
    }
  }
  for (int64_t j = 0; j < p; ++j) g[j * p + j] += alpha;
  // G = L L' in place (lower triangle), then L u = r, L' b = u.
  for (int64_t j = 0; j < p; ++j) {
    double* gj = g.data() + j * p;
    for (int64_t k = 0; k < j; ++k) {
      const double* gk = g.data() + k * p;
      double sum = gj[k];
      for (int64_t t = 0; t < k; ++t) sum -= gj[t] * gk[t];
      gj[k] = sum / gk[k];
    }
    double d = gj[j];
    for (int64_t t = 0; t < j; ++t) d -= gj[t] * gj[t];
    if (!(d > 0)) return std::nullopt;  // d >= alpha > 0 in exact arithmetic
    gj[j] = std::sqrt(d);
  }
  for (int64_t j = 0; j < p; ++j) {
    double sum = r[j];
    for (int64_t t = 0; t < j; ++t) sum -= g[j * p + t] * r[t];
    r[j] = sum / g[j * p + j];
  }
  for (int64_t j = p - 1; j >= 0; --j) {
    double sum = r[j];
    for (int64_t t = j + 1; t < p; ++t) sum -= g[t * p + j] * r[t];
    r[j] = sum / g[j * p + j];
  }
  LinearFit fit;
  fit.coef = torch::from_blob(r.data(), {p}, torch::kFloat64).clone();
  double dot = 0;
  for (int64_t j = 0; j < p; ++j) dot += xm[j] * r[j];
  fit.intercept = ym - dot;
  return fit;
}
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
  Centre centre = weighted_means(x, y, w, fit_intercept);
  if (alpha > 0) {
    if (auto quick = ridge_normal_equations(x, y, w, alpha, centre)) return *quick;
  }
  const auto x_mean = torch::from_blob(centre.x.data(), {p}, torch::kFloat64);
  const double y_mean = centre.y;
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
  require(zd.dim() == 2, "lime_weights: z must be (S,M)");
  const int64_t s = zd.size(0), m = zd.size(1);
  auto out = torch::empty({s}, torch::kFloat64);
  const double* zp = zd.data_ptr<double>();
  double* o = out.data_ptr<double>();
  for (int64_t i = 0; i < s; ++i) {
    double on = 0;
    for (int64_t j = 0; j < m; ++j) on += zp[i * m + j];
    // cosine similarity of a binary row with k ones to the all-ones row is k / sqrt(k m)
    const double cos = on > 0 ? on / std::sqrt(on * static_cast<double>(m)) : 0.0;
    const double d = 1 - cos;
    o[i] = std::sqrt(std::exp(-(d * d) / (kernel_width * kernel_width)));
  }
  return out;
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
