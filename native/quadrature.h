// Integrated Gradients' path points a_i and weights w_i, exactly as Captum computes them
// (captum.attr._utils.approximation_methods), so results agree with Captum to float precision.
#pragma once
#include <string>
#include <vector>

namespace fass {

struct Quadrature {
  std::vector<double> alphas;
  std::vector<double> weights;
};

// method: riemann_left, riemann_right, riemann_middle, riemann_trapezoid, gausslegendre.
// Captum's trapezoid uses weights 1/n halved at both ends (they sum to 1 - 1/n), and we keep it.
Quadrature quadrature(const std::string& method, int64_t n);

}  // namespace fass
