// Weighted least squares for the surrogate models of LIME and Kernel SHAP, in float64, one
// problem at a time (so a sample's fit never depends on what else is in the batch).
#pragma once
#include <torch/torch.h>

namespace fass::kernels {

struct LinearFit {
  torch::Tensor coef;  // (P) float64
  double intercept = 0;
};

// argmin_b,a sum_s w_s (y_s - a - X_s b)^2 + alpha |b|^2 for X (S,P), y (S), w (S) >= 0, as
// sklearn's Ridge(alpha, fit_intercept).fit(X, y, sample_weight=w) solves it: with an intercept,
// X and y are centred on their weighted means and the intercept is not penalised. alpha > 0:
// the normal equations by Cholesky, as sklearn's 'cholesky' solver; alpha = 0 (or a pivot lost to
// rounding): least squares on the sqrt(w)-scaled system stacked with sqrt(alpha) I (gelsd: a
// rank-deficient design with alpha = 0 gets the minimum-norm solution).
LinearFit weighted_ridge(const torch::Tensor& x, const torch::Tensor& y, const torch::Tensor& w, double alpha,
                         bool fit_intercept);

// LIME's proximity weights of binary rows z (S,M) to the all-ones row: sqrt(exp(-d^2 / width^2))
// with d the cosine distance (1 for an all-zero row, as sklearn's cosine distance gives).
torch::Tensor lime_weights(const torch::Tensor& z, double kernel_width);

// LIME's surrogate: weighted_ridge(z, y, lime_weights(z, kernel_width), alpha, intercept).
LinearFit lime_fit(const torch::Tensor& z, const torch::Tensor& y, double alpha, double kernel_width);

// The Shapley kernel weight (M-1) / (C(M,k) k (M-k)) of each row with k ones, divided by the
// largest of them (only ratios matter); 0 for k = 0 or k = M, whose infinite weight is enforced
// as constraints by kernel_shap_fit instead.
torch::Tensor shapley_kernel_weights(const torch::Tensor& z);

// Kernel SHAP's constrained fit: phi minimises sum_s pi_s (y_s - f0 - z_s phi)^2 subject to
// sum phi = fx - f0 (efficiency; f0 the all-off prediction, fx the all-on one), with pi the
// Shapley kernel weights. As in the shap package, the last coefficient is eliminated through the
// constraint and the rest solved by weighted least squares. Returns phi (M) float64.
torch::Tensor kernel_shap_fit(const torch::Tensor& z, const torch::Tensor& y, double fx, double f0);

}  // namespace fass::kernels
