// K independent multilayer perceptrons of one shape, stored stacked and run as one model: layer l
// is a weight [K, in, out] and a bias [K, 1, out], applied with one batched matrix product
// (baddbmm) over inputs [K, B, in]. Image k's network only ever touches slice k, so training the
// stack with an elementwise optimiser (Adam) is K independent trainings done at once.
#pragma once
#include <torch/torch.h>
#include <vector>
#include "sample_rng.h"

namespace fass::osr {

class BatchedMlp {
 public:
  BatchedMlp() = default;
  // widths = {in, hidden..., out}. Member k's weights are drawn from rng.gen(k) as PyTorch's
  // nn.Linear initialises them (weight then bias, layer by layer, both U(-1/sqrt(in), 1/sqrt(in))).
  BatchedMlp(const std::vector<int64_t>& widths, SampleRng& rng, torch::Device device);

  // x [K, B, in] -> the last layer's pre-activation [K, B, out]. Between layers: LeakyReLU(slope),
  // then, when masks is given, multiplication by masks[l] ([K, B, hidden_l], already scaled by
  // 1/keep: inverted dropout).
  torch::Tensor forward(const torch::Tensor& x, double slope, const std::vector<torch::Tensor>* masks = nullptr) const;

  std::vector<torch::Tensor> parameters() const;
  const std::vector<int64_t>& widths() const { return widths_; }
  int64_t members() const { return weights_.empty() ? 0 : weights_[0].size(0); }

 private:
  std::vector<int64_t> widths_;
  std::vector<torch::Tensor> weights_, biases_;
};

// Inverted-dropout masks for each hidden width: member k's masks come from rng.gen(k), (B, width)
// per layer in layer order, 1/keep where U(0,1) < keep, else 0. Returns [K, B, width] per layer.
std::vector<torch::Tensor> dropout_masks(SampleRng& rng, int64_t rows, const std::vector<int64_t>& hidden, double p,
                                         torch::Device device);

}  // namespace fass::osr
