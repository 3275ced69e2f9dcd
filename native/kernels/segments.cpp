#include "kernels/segments.h"
#include "kernels/checks.h"

#include <ATen/CPUGeneratorImpl.h>

namespace fass::kernels {

torch::Tensor grid_segments(int64_t h, int64_t w, int64_t k) {
  require(k >= 1 && k <= h && k <= w, "grid segmentation " + std::to_string(k) + "x" + std::to_string(k) +
                                          " needs 1 <= K <= min(H, W) = " + std::to_string(std::min(h, w)));
  const auto rows = torch::arange(h, torch::kInt64).mul(k).div(h, "floor");
  const auto cols = torch::arange(w, torch::kInt64).mul(k).div(w, "floor");
  return (rows.view({h, 1}) * k + cols.view({1, w})).contiguous();
}

torch::Tensor segment_masks(const torch::Tensor& labels, const torch::Tensor& z, int64_t start, int64_t end) {
  require(labels.dim() == 2, "segment_masks: labels must be (H,W)");
  require(z.dim() == 2, "segment_masks: z must be (S,M)");
  require(start >= 0 && start <= end && end <= z.size(0), "segment_masks: rows [" + std::to_string(start) + ", " +
                                                              std::to_string(end) + ") out of range");
  const auto l = labels.to(torch::kCPU, torch::kInt64).contiguous().view(-1);
  require(l.numel() == 0 || (l.min().item<int64_t>() >= 0 && l.max().item<int64_t>() < z.size(1)),
          "segment_masks: labels outside [0, " + std::to_string(z.size(1)) + ")");
  const auto rows = z.narrow(0, start, end - start).to(torch::kCPU, torch::kFloat32);
  return rows.index_select(1, l).view({end - start, 1, labels.size(0), labels.size(1)}).contiguous();
}

torch::Tensor segment_values(const torch::Tensor& labels, const torch::Tensor& values) {
  require(labels.dim() == 2, "segment_values: labels must be (H,W)");
  const auto v = values.to(torch::kCPU, torch::kFloat32).contiguous().view(-1);
  const auto l = labels.to(torch::kCPU, torch::kInt64).contiguous().view(-1);
  require(l.numel() == 0 || (l.min().item<int64_t>() >= 0 && l.max().item<int64_t>() < v.numel()),
          "segment_values: labels outside [0, " + std::to_string(v.numel()) + ")");
  return v.index_select(0, l).view({1, labels.size(0), labels.size(1)}).contiguous();
}

torch::Tensor binary_samples(uint64_t seed, int64_t draws, int64_t m, double p, const std::vector<int>& head) {
  require(m >= 1 && draws >= 0, "binary_samples: need M >= 1 and draws >= 0");
  require(p >= 0 && p <= 1, "binary_samples: p must lie in [0, 1]");
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  std::vector<torch::Tensor> rows;
  for (int v : head) rows.push_back(torch::full({1, m}, v ? 1.f : 0.f));
  // rand < p rather than bernoulli_: one uniform per entry in row-major order, the same on
  // every LibTorch build (the MKL bernoulli path draws differently).
  rows.push_back(torch::rand({draws, m}, gen).lt(p).to(torch::kFloat32));
  return torch::cat(rows, 0).contiguous();
}

}  // namespace fass::kernels
