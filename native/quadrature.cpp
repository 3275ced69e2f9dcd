#include "quadrature.h"
#include "errors.h"

#include <torch/torch.h>
#include <cmath>

namespace fass {

namespace {

// torch.linspace(a, b, n).tolist(): computed in float32, as Captum does.
std::vector<double> linspace_f32(double a, double b, int64_t n) {
  auto t = torch::linspace(a, b, n, torch::kFloat32);
  std::vector<double> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) out[static_cast<size_t>(i)] = t[i].item<float>();
  return out;
}

// Gauss-Legendre nodes and weights on [-1, 1] (numpy.polynomial.legendre.leggauss), by Newton's
// method on P_n in double precision, then mapped to [0, 1] as Captum does.
Quadrature gauss_legendre(int64_t n) {
  Quadrature q;
  std::vector<double> x(static_cast<size_t>(n)), w(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    double z = std::cos(M_PI * (static_cast<double>(i) + 0.75) / (static_cast<double>(n) + 0.5));
    double dp = 0;
    for (int iter = 0; iter < 100; ++iter) {
      double p0 = 1, p1 = z;
      for (int64_t k = 2; k <= n; ++k) {
        const double pk = ((2.0 * k - 1) * z * p1 - (k - 1.0) * p0) / static_cast<double>(k);
        p0 = p1;
        p1 = pk;
      }
      dp = static_cast<double>(n) * (z * p1 - p0) / (z * z - 1);
      const double dz = p1 / dp;
      z -= dz;
      if (std::fabs(dz) < 1e-16) break;
    }
    x[static_cast<size_t>(i)] = z;
    w[static_cast<size_t>(i)] = 2 / ((1 - z * z) * dp * dp);
  }
  // leggauss returns ascending nodes; the cosine guess gives them descending.
  for (int64_t i = n - 1; i >= 0; --i) {
    q.alphas.push_back(0.5 * (1 + x[static_cast<size_t>(i)]));
    q.weights.push_back(0.5 * w[static_cast<size_t>(i)]);
  }
  return q;
}

}  // namespace

Quadrature quadrature(const std::string& method, int64_t n) {
  if (n < 1) throw UserError("n_steps " + std::to_string(n) + ": must be an integer >= 1");
  if (method == "gausslegendre") return gauss_legendre(n);
  Quadrature q;
  if (method.rfind("riemann_", 0) != 0 || (method != "riemann_left" && method != "riemann_right" &&
                                            method != "riemann_middle" && method != "riemann_trapezoid"))
    throw UserError("method '" + method +
                    "': expected gausslegendre, riemann_left, riemann_right, riemann_middle or riemann_trapezoid");
  if (n < 2) throw UserError("n_steps " + std::to_string(n) + ": Riemann rules need at least 2 steps");
  const double dn = static_cast<double>(n);
  q.weights.assign(static_cast<size_t>(n), 1 / dn);
  if (method == "riemann_trapezoid") {
    q.weights.front() /= 2;
    q.weights.back() /= 2;
    q.alphas = linspace_f32(0, 1, n);
  } else if (method == "riemann_left") {
    q.alphas = linspace_f32(0, 1 - 1 / dn, n);
  } else if (method == "riemann_middle") {
    q.alphas = linspace_f32(1 / (2 * dn), 1 - 1 / (2 * dn), n);
  } else {
    q.alphas = linspace_f32(1 / dn, 1, n);
  }
  return q;
}

}  // namespace fass
