// Random draws per sample: each sample has its own generator, seeded from its own seed, so a
// sample's draws do not depend on which batch it is in or how big that batch is.
#pragma once
#include <torch/torch.h>
#include <vector>

namespace fass {

class SampleRng {
 public:
  explicit SampleRng(const torch::Tensor& seeds);  // (N) integer seeds
  int64_t size() const { return static_cast<int64_t>(gens_.size()); }
  // draws shaped (N, ...per_sample) on the CPU, then moved to `device`: sample i's draws from gen i
  torch::Tensor randn(const std::vector<int64_t>& per_sample, torch::Device device);
  torch::Tensor rand(const std::vector<int64_t>& per_sample, torch::Device device);
  torch::Tensor randint(int64_t high, const std::vector<int64_t>& per_sample, torch::Device device);
  at::Generator& gen(int64_t i) { return gens_.at(static_cast<size_t>(i)); }

 private:
  std::vector<at::Generator> gens_;
};

}  // namespace fass
