#include "filters.h"
#include "errors.h"

#include <cmath>

namespace fass {

namespace {

// Pads dimension `dim` by `r` on both sides the way scipy.ndimage's mode='reflect' does
// (half-sample symmetric: d c b a | a b c d | d c b a), repeating the reflection when r >= n.
torch::Tensor pad_reflect(const torch::Tensor& x, int64_t dim, int64_t r) {
  const int64_t n = x.size(dim);
  std::vector<int64_t> idx;
  idx.reserve(static_cast<size_t>(n + 2 * r));
  for (int64_t p = -r; p < n + r; ++p) {
    int64_t q = p;
    while (q < 0 || q >= n) q = q < 0 ? -q - 1 : 2 * n - q - 1;
    idx.push_back(q);
  }
  return x.index_select(dim, torch::tensor(idx, torch::TensorOptions().dtype(torch::kInt64).device(x.device())));
}

}  // namespace

torch::Tensor gaussian_blur(const torch::Tensor& x, double sigma, int64_t kernel_size) {
  if (!(sigma > 0)) return x.clone();
  TORCH_CHECK(x.dim() == 4, "gaussian_blur expects (N,C,H,W)");
  const int64_t c = x.size(1), h = x.size(2), w = x.size(3);
  // scipy.ndimage: radius = int(truncate * sigma + 0.5), truncate 3.5 (skimage passes 3.5)
  int64_t radius = kernel_size > 0 ? kernel_size / 2 : static_cast<int64_t>(3.5 * sigma + 0.5);
  if (radius < 1) return x.clone();
  auto r = torch::arange(-radius, radius + 1, x.options().dtype(torch::kFloat64));
  auto k = torch::exp(-(r * r) / (2 * sigma * sigma));
  k = (k / k.sum()).to(x.scalar_type());
  const int64_t size = 2 * radius + 1;
  auto kh = k.view({1, 1, size, 1}).repeat({c, 1, 1, 1});
  auto kw = k.view({1, 1, 1, size}).repeat({c, 1, 1, 1});
  namespace F = torch::nn::functional;
  auto y = F::conv2d(pad_reflect(x, 2, radius), kh, F::Conv2dFuncOptions().groups(c));
  return F::conv2d(pad_reflect(y, 3, radius), kw, F::Conv2dFuncOptions().groups(c));
}

}  // namespace fass
