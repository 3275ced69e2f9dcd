// Perturbations of a batch (N,C,H,W) in pixel space [0,1], and the alignment that brings maps of
// a geometrically perturbed image back onto the original's pixel grid (SPEC.md section 3).
//
// Pixel coordinates: x = column (right), y = row (down), pixel centres at integers, the image
// centre at ((W-1)/2, (H-1)/2). This is align_corners=False's convention, so the affine grids
// below need no half-pixel corrections. A geometric perturbation is a map T on these
// coordinates: content at original pixel q moves to T(q). The perturbed image is
// x'(p) = x(T^-1(p)), zero outside the frame; the aligned map is A(q) = A'(T(q)).
//   rotate d:   T(q) = c + R(q - c), counter-clockwise on screen for d > 0 (torchvision/PIL):
//               R = [[cos d, sin d], [-sin d, cos d]] in (x right, y down) coordinates
//   translate:  T(q) = q + (dx, dy) in pixels, +x right, +y down
//   scale s:    T(q) = c + s (q - c)
//   hflip:      T(x, y) = (W-1-x, y)
// Whole-pixel translations and flips are exact (index shifts, no interpolation); the rest go
// through affine_grid + grid_sample (zeros padding, align_corners=False).
#pragma once
#include <torch/torch.h>
#include <string>

namespace fass::perturb {

enum class Interp { Bilinear, Nearest };

struct Geometry {
  enum class Kind { Rotate, Translate, Scale, HFlip };
  Kind kind = Kind::Rotate;
  double degrees = 0;     // rotate
  double dx = 0, dy = 0;  // translate, pixels
  double factor = 1;      // scale
  Interp interp = Interp::Bilinear;  // for the perturbation; alignment is always bilinear
};

// T as an affine map on pixel coordinates: T(q) = m q + b (row-major m).
struct Affine {
  double m[2][2];
  double b[2];
  Affine inverse() const;
  bool integral_shift() const;  // identity matrix and whole-pixel b
};
Affine forward_map(const Geometry& g, int64_t h, int64_t w);

// x (N,C,H,W) -> x'(p) = x(T^-1(p)), zero fill.
torch::Tensor apply_geometric(const torch::Tensor& x, const Geometry& g);
// maps (N,C,H,W) or (N,H,W) of the perturbed image -> A(q) = A'(T(q)), bilinear, zero outside.
torch::Tensor align(const torch::Tensor& maps, const Geometry& g);
// (H,W) bool: T(q) lies inside the frame (pixel centres 0..W-1, 0..H-1), eroded by one pixel
// (3x3, outside the image counts as invalid).
torch::Tensor valid_mask(const Geometry& g, int64_t h, int64_t w);

// Photometric perturbations; all clamp the result to [0,1].
torch::Tensor brightness(const torch::Tensor& x, double factor);  // x * factor
// factor * x + (1 - factor) * m, m the image's mean grey (ITU-R 601 luma of RGB as torchvision's
// rgb_to_grayscale; the plain mean for other channel counts), per image.
torch::Tensor contrast(const torch::Tensor& x, double factor);
torch::Tensor gamma(const torch::Tensor& x, double gamma);       // x ^ gamma
torch::Tensor blur(const torch::Tensor& x, double sigma);        // fass::gaussian_blur (scipy 'reflect')
// x + sigma * e, e ~ N(0,1) drawn per sample from its own seed (seeds: (N) integers).
torch::Tensor noise(const torch::Tensor& x, double sigma, const torch::Tensor& seeds);

// Checks (N,C,H,W) floating point; a ShapeError/UserError names what arrived.
void check_batch(const torch::Tensor& x, const char* what);

}  // namespace fass::perturb
