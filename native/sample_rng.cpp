#include "sample_rng.h"

namespace fass {

SampleRng::SampleRng(const torch::Tensor& seeds) {
  auto s = seeds.to(torch::kCPU, torch::kInt64).contiguous();
  for (int64_t i = 0; i < s.numel(); ++i)
    gens_.push_back(at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(s.data_ptr<int64_t>()[i])));
}

namespace {
template <typename Draw>
torch::Tensor per_sample(std::vector<at::Generator>& gens, const std::vector<int64_t>& shape, torch::Device device,
                         Draw draw) {
  std::vector<torch::Tensor> parts;
  parts.reserve(gens.size());
  for (auto& g : gens) parts.push_back(draw(shape, g));
  return torch::stack(parts).to(device);
}
}  // namespace

torch::Tensor SampleRng::randn(const std::vector<int64_t>& shape, torch::Device device) {
  return per_sample(gens_, shape, device, [](const std::vector<int64_t>& s, at::Generator& g) { return torch::randn(s, g); });
}

torch::Tensor SampleRng::rand(const std::vector<int64_t>& shape, torch::Device device) {
  return per_sample(gens_, shape, device, [](const std::vector<int64_t>& s, at::Generator& g) { return torch::rand(s, g); });
}

torch::Tensor SampleRng::randint(int64_t high, const std::vector<int64_t>& shape, torch::Device device) {
  return per_sample(gens_, shape, device,
                    [high](const std::vector<int64_t>& s, at::Generator& g) { return torch::randint(high, s, g); });
}

}  // namespace fass
