#include "kernels/masks.h"
#include "kernels/checks.h"

#include <algorithm>

namespace fass::kernels {

namespace {
// Captum's count of window positions along one dimension: ceil((size - window) / stride) + 1.
int64_t positions(int64_t size, int64_t window, int64_t stride) { return (size - window + stride - 1) / stride + 1; }
}  // namespace

torch::Tensor occlusion_masks(int64_t h, int64_t w, int64_t window_h, int64_t window_w, int64_t stride_h,
                              int64_t stride_w) {
  require(window_h >= 1 && window_h <= h && window_w >= 1 && window_w <= w,
          "occlusion window " + std::to_string(window_h) + "x" + std::to_string(window_w) +
              " must fit the image (" + std::to_string(h) + "x" + std::to_string(w) + ")");
  require(stride_h >= 1 && stride_w >= 1, "occlusion stride must be at least 1");
  const int64_t ny = positions(h, window_h, stride_h), nx = positions(w, window_w, stride_w);
  auto masks = torch::ones({1 + ny * nx, 1, h, w});
  auto a = masks.accessor<float, 4>();
  for (int64_t p = 0; p < ny * nx; ++p) {
    const int64_t y0 = (p % ny) * stride_h, x0 = (p / ny) * stride_w;
    for (int64_t y = y0; y < std::min(h, y0 + window_h); ++y)
      for (int64_t x = x0; x < std::min(w, x0 + window_w); ++x) a[1 + p][0][y][x] = 0.f;
  }
  return masks;
}

torch::Tensor occlusion_average(const torch::Tensor& scores, const torch::Tensor& masks) {
  require(masks.dim() == 4 && masks.size(1) == 1, "occlusion_average: masks must be (1+P,1,H,W)");
  const auto s = scores.to(torch::kCPU, torch::kFloat32).contiguous().view(-1);
  const auto m = masks.to(torch::kCPU, torch::kFloat32).contiguous();
  require(s.numel() == m.size(0), "occlusion_average: " + std::to_string(s.numel()) + " scores for " +
                                      std::to_string(m.size(0)) + " masks");
  const int64_t plane = m.size(2) * m.size(3);
  auto total = torch::zeros({1, m.size(2), m.size(3)});
  auto count = torch::zeros({1, m.size(2), m.size(3)});
  float* t = total.data_ptr<float>();
  float* c = count.data_ptr<float>();
  const float* sp = s.data_ptr<float>();
  const float* mp = m.data_ptr<float>();
  for (int64_t p = 1; p < m.size(0); ++p) {
    const float diff = sp[0] - sp[p];  // Captum: initial_eval - modified_eval, in float32
    const float* keep = mp + p * plane;
    for (int64_t i = 0; i < plane; ++i) {
      const float window = 1.f - keep[i];
      t[i] += diff * window;
      c[i] += window;
    }
  }
  return total / count;
}

// compose on the CPU as one loop: the same float operations as the tensor expression below
// (x * k + b * (1 - k), each rounded to float32), without its four temporaries of K images each.
// x (1,C,H,W), k (K,1,H,W), b (C,1,1) or (C,H,W), all float32 and contiguous.
static void compose_cpu(const torch::Tensor& x, const torch::Tensor& k, const torch::Tensor& b, torch::Tensor& out) {
  const int64_t rows = k.size(0), c = x.size(1), hw = x.size(2) * x.size(3);
  const bool per_pixel = b.numel() != c;
  const float *xp = x.data_ptr<float>(), *kp = k.data_ptr<float>(), *bp = b.data_ptr<float>();
  float* op = out.data_ptr<float>();
  for (int64_t r = 0; r < rows; ++r) {
    const float* kr = kp + r * hw;
    for (int64_t ch = 0; ch < c; ++ch) {
      const float* xc = xp + ch * hw;
      float* o = op + (r * c + ch) * hw;
      if (per_pixel) {
        const float* bc = bp + ch * hw;
        for (int64_t i = 0; i < hw; ++i) o[i] = xc[i] * kr[i] + bc[i] * (1.0f - kr[i]);
      } else {
        const float bc = bp[ch];
        for (int64_t i = 0; i < hw; ++i) o[i] = xc[i] * kr[i] + bc * (1.0f - kr[i]);
      }
    }
  }
}

torch::Tensor compose(const torch::Tensor& images, int64_t sample, const torch::Tensor& keep, int64_t start,
                      int64_t end, const torch::Tensor& baseline, const torch::Tensor& into) {
  require(images.dim() == 4, "compose: images must be (N,C,H,W)");
  require(sample >= 0 && sample < images.size(0), "compose: sample " + std::to_string(sample) + " out of range");
  require(keep.dim() == 4 && keep.size(1) == 1 && keep.size(2) == images.size(2) && keep.size(3) == images.size(3),
          "compose: keep masks must be (K,1,H,W) with the images' H and W");
  require(start >= 0 && start <= end && end <= keep.size(0), "compose: rows [" + std::to_string(start) + ", " +
                                                                  std::to_string(end) + ") out of range");
  const auto x = images[sample].to(torch::kFloat32).unsqueeze(0);
  auto b = baseline.to(x.device(), torch::kFloat32);
  if (b.dim() == 1) b = b.view({-1, 1, 1});
  require(b.size(0) == x.size(1), "compose: baseline has " + std::to_string(b.size(0)) + " channels, the images " +
                                      std::to_string(x.size(1)));
  const auto k = keep.narrow(0, start, end - start).to(x.device(), torch::kFloat32);
  const bool plain_baseline = b.numel() == b.size(0) || b.sizes() == x.sizes().slice(1);  // (C,1,1) or (C,H,W)
  const std::vector<int64_t> shape{end - start, x.size(1), x.size(2), x.size(3)};
  if (into.defined()) {
    require(into.is_cpu() && into.scalar_type() == torch::kFloat32 && into.is_contiguous() && into.numel() == c10::multiply_integers(shape),
            "compose: the output must be a contiguous CPU float32 tensor of " + shape_str(shape) + " values");
  }
  auto out = into.defined() ? into.view(shape) : torch::empty(shape, x.options());
  if (x.is_cpu() && plain_baseline) {
    compose_cpu(x.contiguous(), k.contiguous(), b.contiguous(), out);
  } else {
    out.copy_(x * k + b.unsqueeze(0) * (1 - k));
  }
  return out;
}

torch::Tensor accumulate_masks(const torch::Tensor& acc, const torch::Tensor& scores, const torch::Tensor& masks) {
  require(masks.dim() == 4 && masks.size(1) == 1, "accumulate_masks: masks must be (K,1,H,W)");
  const auto s = scores.to(torch::kCPU, torch::kFloat64).contiguous().view({1, -1});
  require(s.size(1) == masks.size(0), "accumulate_masks: " + std::to_string(s.size(1)) + " scores for " +
                                          std::to_string(masks.size(0)) + " masks");
  const auto m = masks.to(torch::kCPU, torch::kFloat64).contiguous().view({masks.size(0), -1});
  auto sum = torch::mm(s, m).view({1, masks.size(2), masks.size(3)});
  return acc.defined() ? acc.to(torch::kFloat64) + sum : sum;
}

}  // namespace fass::kernels
