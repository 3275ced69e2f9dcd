#include "kernels/rise.h"
#include "kernels/checks.h"

#include <ATen/CPUGeneratorImpl.h>

namespace fass::kernels {

namespace {
int64_t cell(int64_t size, int64_t s) { return (size + s - 1) / s; }
}  // namespace

RiseDraws rise_draws(uint64_t seed, int64_t n, int64_t s, double p, int64_t h, int64_t w) {
  require(n >= 1, "RISE needs at least one mask, got N = " + std::to_string(n));
  require(s >= 1 && s <= h && s <= w, "RISE grid s = " + std::to_string(s) + " must lie in [1, min(H, W)]");
  require(p > 0 && p <= 1, "RISE keep probability p must lie in (0, 1], got " + std::to_string(p));
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  RiseDraws d;
  d.grids = torch::rand({n, 1, s, s}, gen).lt(p).to(torch::kFloat32);
  const auto dy = torch::randint(cell(h, s), {n}, gen);
  const auto dx = torch::randint(cell(w, s), {n}, gen);
  d.shifts = torch::stack({dy, dx}, 1).contiguous();
  return d;
}

torch::Tensor rise_masks(const RiseDraws& d, int64_t start, int64_t end, int64_t h, int64_t w) {
  require(d.grids.dim() == 4 && d.shifts.dim() == 2 && d.grids.size(0) == d.shifts.size(0),
          "rise_masks: grids (n,1,s,s) and shifts (n,2) disagree");
  require(start >= 0 && start <= end && end <= d.grids.size(0), "rise_masks: rows [" + std::to_string(start) +
                                                                     ", " + std::to_string(end) + ") out of range");
  const int64_t s = d.grids.size(2);
  const int64_t up_h = (s + 1) * cell(h, s), up_w = (s + 1) * cell(w, s);
  namespace F = torch::nn::functional;
  const auto up = F::interpolate(d.grids.narrow(0, start, end - start).to(torch::kFloat32),
                                 F::InterpolateFuncOptions()
                                     .size(std::vector<int64_t>{up_h, up_w})
                                     .mode(torch::kBilinear)
                                     .align_corners(false));
  auto out = torch::empty({end - start, 1, h, w});
  const auto shifts = d.shifts.to(torch::kCPU, torch::kInt64).contiguous();
  const int64_t* sh = shifts.data_ptr<int64_t>();
  for (int64_t i = 0; i < end - start; ++i) {
    const int64_t dy = sh[(start + i) * 2], dx = sh[(start + i) * 2 + 1];
    out[i].copy_(up[i].narrow(1, dy, h).narrow(2, dx, w));
  }
  // bilinear weights of 0/1 cells can round a hair past 1; masks are keep fractions in [0, 1]
  return out.clamp_(0, 1);
}

}  // namespace fass::kernels
