// Robustness of attributions to small input changes (SPEC.md section 6): the neighbours of each
// sample, drawn from its own generator, and per-sample scores over the neighbours whose prediction
// held. Plain tensor math; the attributions of the neighbours come from the attribution engine.
#pragma once
#include <torch/torch.h>
#include <string>
#include <vector>
#include "sample_rng.h"

namespace fass::robustness {

enum class Noise { Uniform, Gaussian };
Noise parse_noise(const std::string& name);  // "uniform" (U(-scale, scale)) or "gaussian" (N(0, scale^2))

// x (N,C,H,W) -> neighbours (N*n, C,H,W), sample-major (row i*n + j is draw j of sample i):
// x + noise, noise drawn from sample i's generator, or `fixed` (N,n,C,H,W) when given. Not clamped.
torch::Tensor neighbours(const torch::Tensor& x, SampleRng& rng, Noise kind, int64_t n, double scale,
                         const torch::Tensor& fixed = torch::Tensor());

// The per-neighbour quantity of a metric, (N,n) float64:
//   max_sensitivity, avg_sensitivity: ||g(x) - g(x')|| / ||g(x)||
//   local_lipschitz:                  ||g(x) - g(x')|| / ||x - x'||
//   ris: ||(g(x) - g(x')) / g(x)|| / max(||(x - x') / x||, 1e-6)
//   ros: ||(g(x) - g(x')) / g(x)|| / max(||(f(x) - f(x')) / f(x)||, 1e-6)   (f: logits)
// Norms are L2 (Frobenius) over all of a sample's values; element-wise divisions by v use v where
// v != 0 and 1e-6 where v == 0. x (N,C,H,W), xn (N*n,C,H,W), g (N,...), gn (N*n,...), logits (N,K),
// logits_n (N*n,K); the last two may be undefined for metrics that do not use them.
torch::Tensor per_neighbour(const std::string& metric, const torch::Tensor& x, const torch::Tensor& xn,
                            const torch::Tensor& g, const torch::Tensor& gn, const torch::Tensor& logits,
                            const torch::Tensor& logits_n);

// "max" for max_sensitivity, local_lipschitz, ris, ros; "mean" for avg_sensitivity.
bool takes_mean(const std::string& metric);

// Per sample, over the neighbours with keep (N,n) true: the max or mean of values (N,n); NaN where
// none is kept, or where a kept value is NaN. Returns (N) float64.
torch::Tensor reduce(const torch::Tensor& values, const torch::Tensor& keep, bool mean);

const std::vector<std::string>& metric_names();

}  // namespace fass::robustness
