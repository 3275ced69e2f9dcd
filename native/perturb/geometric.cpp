// Geometric perturbations and their alignment: one affine map T per perturbation, used forwards
// (alignment, valid mask) and inverted (the perturbed image). See perturb.h for the conventions.
#include "perturb.h"
#include "errors.h"

#include <cmath>

namespace fass::perturb {

namespace F = torch::nn::functional;

namespace {

constexpr double kPi = 3.14159265358979323846;

// True when v is a whole number (to 1e-9).
bool whole(double v) { return std::abs(v - std::round(v)) < 1e-9; }

// cos/sin of degrees, exact at multiples of 90 so that rotate 90 maps pixel centres onto centres.
void cos_sin(double degrees, double& c, double& s) {
  const double q = degrees / 90.0;
  if (whole(q)) {
    const int k = ((static_cast<int>(std::llround(q)) % 4) + 4) % 4;
    const double cs[4] = {1, 0, -1, 0}, sn[4] = {0, 1, 0, -1};
    c = cs[k];
    s = sn[k];
    return;
  }
  const double r = degrees * kPi / 180.0;
  c = std::cos(r);
  s = std::sin(r);
}

// x shifted by (dx, dy) whole pixels (content moves right/down for positive values), zero fill.
torch::Tensor shift(const torch::Tensor& x, int64_t dx, int64_t dy) {
  const int64_t h = x.size(-2), w = x.size(-1);
  auto out = torch::zeros_like(x);
  if (std::abs(dx) >= w || std::abs(dy) >= h) return out;
  using torch::indexing::Slice;
  const auto src_y = Slice(std::max<int64_t>(0, -dy), h - std::max<int64_t>(0, dy));
  const auto src_x = Slice(std::max<int64_t>(0, -dx), w - std::max<int64_t>(0, dx));
  const auto dst_y = Slice(std::max<int64_t>(0, dy), h - std::max<int64_t>(0, -dy));
  const auto dst_x = Slice(std::max<int64_t>(0, dx), w - std::max<int64_t>(0, -dx));
  out.index_put_({"...", dst_y, dst_x}, x.index({"...", src_y, src_x}));
  return out;
}

// Samples x (N,C,H,W) at S(p) for every output pixel p, S an affine map on pixel coordinates:
// S becomes a normalised theta for affine_grid (align_corners=False: u = (2x+1)/W - 1, so
// u = (2/W)(x - cx) about the centre).
torch::Tensor sample_affine(const torch::Tensor& x, const Affine& s, Interp interp) {
  const int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  const double cx = (w - 1) / 2.0, cy = (h - 1) / 2.0;
  const double dxn = 2.0 / w, dyn = 2.0 / h;
  // offset of S(c) from c, in pixels
  const double ox = s.m[0][0] * cx + s.m[0][1] * cy + s.b[0] - cx;
  const double oy = s.m[1][0] * cx + s.m[1][1] * cy + s.b[1] - cy;
  const double theta[6] = {s.m[0][0], s.m[0][1] * dxn / dyn, ox * dxn,
                           s.m[1][0] * dyn / dxn, s.m[1][1], oy * dyn};
  auto th = torch::tensor(std::vector<double>(theta, theta + 6), torch::TensorOptions().dtype(torch::kFloat64))
                .to(x.device(), x.scalar_type())
                .view({1, 2, 3})
                .expand({n, 2, 3});
  auto grid = F::affine_grid(th, {n, c, h, w}, /*align_corners=*/false);
  auto opts = F::GridSampleFuncOptions().padding_mode(torch::kZeros).align_corners(false);
  if (interp == Interp::Nearest) opts = opts.mode(torch::kNearest);
  else opts = opts.mode(torch::kBilinear);
  return F::grid_sample(x, grid, opts);
}

// The one sampler behind perturbation (S = T^-1) and alignment (S = T).
torch::Tensor resample(const torch::Tensor& x, const Geometry& g, bool inverse, Interp interp) {
  if (g.kind == Geometry::Kind::HFlip) return x.flip({-1});
  const Affine t = forward_map(g, x.size(2), x.size(3));
  const Affine s = inverse ? t.inverse() : t;
  // sampling at p + b moves content by -b: whole pixels are an exact index shift
  if (s.integral_shift()) return shift(x, -std::llround(s.b[0]), -std::llround(s.b[1]));
  return sample_affine(x, s, interp);
}

}  // namespace

Affine Affine::inverse() const {
  const double det = m[0][0] * m[1][1] - m[0][1] * m[1][0];
  if (std::abs(det) < 1e-300) throw UserError("a geometric perturbation with a singular matrix has no inverse");
  Affine r{};
  r.m[0][0] = m[1][1] / det;
  r.m[0][1] = -m[0][1] / det;
  r.m[1][0] = -m[1][0] / det;
  r.m[1][1] = m[0][0] / det;
  r.b[0] = -(r.m[0][0] * b[0] + r.m[0][1] * b[1]);
  r.b[1] = -(r.m[1][0] * b[0] + r.m[1][1] * b[1]);
  return r;
}

bool Affine::integral_shift() const {
  return m[0][0] == 1 && m[0][1] == 0 && m[1][0] == 0 && m[1][1] == 1 && whole(b[0]) && whole(b[1]);
}

Affine forward_map(const Geometry& g, int64_t h, int64_t w) {
  const double cx = (w - 1) / 2.0, cy = (h - 1) / 2.0;
  Affine a{};
  switch (g.kind) {
    case Geometry::Kind::Rotate: {
      double c, s;
      cos_sin(g.degrees, c, s);
      a.m[0][0] = c;
      a.m[0][1] = s;
      a.m[1][0] = -s;
      a.m[1][1] = c;
      break;
    }
    case Geometry::Kind::Translate:
      a.m[0][0] = a.m[1][1] = 1;
      a.b[0] = g.dx;
      a.b[1] = g.dy;
      return a;
    case Geometry::Kind::Scale:
      if (!(g.factor > 0)) throw UserError("scale factor must be > 0, got " + std::to_string(g.factor));
      a.m[0][0] = a.m[1][1] = g.factor;
      break;
    case Geometry::Kind::HFlip:
      a.m[0][0] = -1;
      a.m[1][1] = 1;
      a.b[0] = w - 1;
      return a;
  }
  // about the centre: T(q) = c + m (q - c)
  a.b[0] = cx - (a.m[0][0] * cx + a.m[0][1] * cy);
  a.b[1] = cy - (a.m[1][0] * cx + a.m[1][1] * cy);
  return a;
}

void check_batch(const torch::Tensor& x, const char* what) {
  if (!x.defined()) throw UserError(std::string(what) + " is missing");
  if (x.dim() != 4)
    throw ShapeError(std::string(what) + " must be a batch shaped (N,C,H,W), got " + shape_str(x.sizes().vec()),
                     {-1, -1, -1, -1}, x.sizes().vec());
  if (!x.is_floating_point())
    throw UserError(std::string(what) + " must hold floating point pixels in [0,1], got " +
                    std::string(c10::toString(x.scalar_type())));
}

torch::Tensor apply_geometric(const torch::Tensor& x, const Geometry& g) {
  check_batch(x, "the batch to perturb");
  return resample(x, g, /*inverse=*/true, g.interp);
}

torch::Tensor align(const torch::Tensor& maps, const Geometry& g) {
  if (!maps.defined() || (maps.dim() != 3 && maps.dim() != 4))
    throw ShapeError("maps to align must be shaped (N,C,H,W) or (N,H,W), got " +
                         (maps.defined() ? shape_str(maps.sizes().vec()) : std::string("nothing")),
                     {-1, -1, -1, -1}, maps.defined() ? maps.sizes().vec() : std::vector<int64_t>{});
  auto m = maps.is_floating_point() ? maps : maps.to(torch::kFloat32);
  const bool flat = m.dim() == 3;
  if (flat) m = m.unsqueeze(1);
  auto out = resample(m, g, /*inverse=*/false, Interp::Bilinear);
  return flat ? out.squeeze(1) : out;
}

torch::Tensor valid_mask(const Geometry& g, int64_t h, int64_t w) {
  if (h < 1 || w < 1) throw UserError("valid mask: height and width must be >= 1, got " + std::to_string(h) + " x " + std::to_string(w));
  const Affine t = forward_map(g, h, w);
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  auto xs = torch::arange(w, f64).view({1, w});
  auto ys = torch::arange(h, f64).view({h, 1});
  auto tx = t.m[0][0] * xs + t.m[0][1] * ys + t.b[0];
  auto ty = t.m[1][0] * xs + t.m[1][1] * ys + t.b[1];
  constexpr double eps = 1e-6;  // T(q) exactly on the last pixel centre counts as inside
  auto inside = (tx >= -eps) & (tx <= (w - 1) + eps) & (ty >= -eps) & (ty <= (h - 1) + eps);
  // erode by one pixel (3x3), outside the image invalid: max-pool the invalid set padded with 1
  auto invalid = (~inside).to(torch::kFloat32).view({1, 1, h, w});
  invalid = F::pad(invalid, F::PadFuncOptions({1, 1, 1, 1}).mode(torch::kConstant).value(1));
  invalid = F::max_pool2d(invalid, F::MaxPool2dFuncOptions(3).stride(1));
  return (invalid.view({h, w}) == 0);
}

}  // namespace fass::perturb
