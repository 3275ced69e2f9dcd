#include "osr/batched_mlp.h"
#include <cmath>

namespace fass::osr {

BatchedMlp::BatchedMlp(const std::vector<int64_t>& widths, SampleRng& rng, torch::Device device) : widths_(widths) {
  const int64_t k = rng.size();
  for (size_t l = 0; l + 1 < widths.size(); ++l) {
    weights_.push_back(torch::empty({k, widths[l], widths[l + 1]}));
    biases_.push_back(torch::empty({k, 1, widths[l + 1]}));
  }
  // Member by member, so member k's draws are the same whatever K is.
  for (int64_t m = 0; m < k; ++m) {
    auto& gen = rng.gen(m);
    for (size_t l = 0; l + 1 < widths.size(); ++l) {
      const double bound = 1.0 / std::sqrt(static_cast<double>(widths[l]));
      auto w = torch::empty({widths[l + 1], widths[l]}).uniform_(-bound, bound, gen);  // nn.Linear's [out, in]
      auto b = torch::empty({widths[l + 1]}).uniform_(-bound, bound, gen);
      weights_[l][m].copy_(w.t());
      biases_[l][m][0].copy_(b);
    }
  }
  for (auto* group : {&weights_, &biases_})
    for (auto& t : *group) t = t.to(device).requires_grad_(true);
}

torch::Tensor BatchedMlp::forward(const torch::Tensor& x, double slope, const std::vector<torch::Tensor>* masks) const {
  auto h = x;
  const size_t layers = weights_.size();
  for (size_t l = 0; l < layers; ++l) {
    const auto& w = weights_[l];
    h = torch::baddbmm(biases_[l].expand({w.size(0), h.size(1), w.size(2)}), h, w);
    if (l + 1 < layers) {
      h = torch::leaky_relu(h, slope);
      if (masks) h = h * (*masks)[l];
    }
  }
  return h;
}

std::vector<torch::Tensor> BatchedMlp::parameters() const {
  std::vector<torch::Tensor> p;
  for (size_t l = 0; l < weights_.size(); ++l) {
    p.push_back(weights_[l]);
    p.push_back(biases_[l]);
  }
  return p;
}

std::vector<torch::Tensor> dropout_masks(SampleRng& rng, int64_t rows, const std::vector<int64_t>& hidden, double p,
                                         torch::Device device) {
  const double keep = 1.0 - p;
  const int64_t k = rng.size();
  std::vector<torch::Tensor> masks;
  for (auto w : hidden) masks.push_back(torch::empty({k, rows, w}));
  for (int64_t m = 0; m < k; ++m) {
    auto& gen = rng.gen(m);
    for (size_t l = 0; l < hidden.size(); ++l) {
      auto u = torch::rand({rows, hidden[l]}, gen);
      masks[l][m].copy_((u < keep).to(torch::kFloat32) * static_cast<float>(1.0 / keep));
    }
  }
  for (auto& t : masks) t = t.to(device);
  return masks;
}

}  // namespace fass::osr
