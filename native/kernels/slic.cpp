// SLIC superpixels (Achanta et al. 2012) following scikit-image's slic: grid seeds from
// skimage.util.regular_grid, colour distance on the image scaled by 1/compactness, spatial
// distance scaled by 1/step, a 2-step search window around each centre, then the connectivity
// pass that merges small components into a neighbour.
#include "kernels/segments.h"
#include "kernels/checks.h"

#include <ATen/Parallel.h>
#include <algorithm>
#include <cfloat>
#include <cmath>

namespace fass::kernels {

namespace {

// One image as (H*W, F) features, row-major, in double.
struct Features {
  int64_t h = 0, w = 0, f = 0;
  std::vector<double> v;
  const double* at(int64_t y, int64_t x) const { return v.data() + (y * w + x) * f; }
};

double srgb_to_linear(double c) { return c > 0.04045 ? std::pow((c + 0.055) / 1.055, 2.4) : c / 12.92; }
double lab_f(double t) { return t > 0.008856 ? std::cbrt(t) : 7.787 * t + 16.0 / 116.0; }

// skimage.color.rgb2lab with its default illuminant D65, 2 degree observer.
void rgb_to_lab(const double* rgb, double* lab) {
  const double r = srgb_to_linear(rgb[0]), g = srgb_to_linear(rgb[1]), b = srgb_to_linear(rgb[2]);
  const double x = (0.412453 * r + 0.357580 * g + 0.180423 * b) / 0.95047;
  const double y = (0.212671 * r + 0.715160 * g + 0.072169 * b) / 1.0;
  const double z = (0.019334 * r + 0.119193 * g + 0.950227 * b) / 1.08883;
  const double fx = lab_f(x), fy = lab_f(y), fz = lab_f(z);
  lab[0] = 116.0 * fy - 16.0;
  lab[1] = 500.0 * (fx - fy);
  lab[2] = 200.0 * (fy - fz);
}

// The image (C,H,W) as features: CIELAB for 3 channels, the channels as they are otherwise, all
// divided by the compactness (skimage scales the colour this way).
Features features_of(const torch::Tensor& image, double compactness) {
  const auto t = image.to(torch::kCPU, torch::kFloat64).contiguous();
  Features out{t.size(1), t.size(2), t.size(0), {}};
  out.v.resize(static_cast<size_t>(out.h * out.w * out.f));
  const double* src = t.data_ptr<double>();
  const int64_t plane = out.h * out.w;
  std::vector<double> pixel(static_cast<size_t>(out.f));
  for (int64_t i = 0; i < plane; ++i) {
    for (int64_t c = 0; c < out.f; ++c) pixel[c] = src[c * plane + i];
    double* dst = out.v.data() + i * out.f;
    if (out.f == 3) rgb_to_lab(pixel.data(), dst);
    else std::copy(pixel.begin(), pixel.end(), dst);
    for (int64_t c = 0; c < out.f; ++c) dst[c] /= compactness;
  }
  return out;
}

// numpy's round (half to even), as skimage's regular_grid rounds its step sizes.
int64_t round_even(double v) { return static_cast<int64_t>(std::nearbyint(v)); }

// skimage.util.regular_grid over the shape (1, H, W) for n points: start and step per axis.
struct Grid { int64_t start_y, step_y, start_x, step_x; };

Grid regular_grid(int64_t h, int64_t w, int64_t n) {
  if (h * w <= n) return {0, 1, 0, 1};
  const double small = static_cast<double>(std::min(h, w)), large = static_cast<double>(std::max(h, w));
  double step_small = std::sqrt(static_cast<double>(h * w) / static_cast<double>(n)), step_large = step_small;
  if (small < step_small) {  // the short side cannot hold a square grid: one row, spread the rest
    step_small = small;
    step_large = large / static_cast<double>(n);
    if (large < step_large) step_large = large;
  }
  const double sy = h <= w ? step_small : step_large, sx = h <= w ? step_large : step_small;
  return {static_cast<int64_t>(sy / 2), std::max<int64_t>(1, round_even(sy)), static_cast<int64_t>(sx / 2),
          std::max<int64_t>(1, round_even(sx))};
}

// k-means in (y, x, features) space restricted to a window around each centre. Centres are
// (y, x, features...) rows; colours start at zero as in skimage.
std::vector<int64_t> cluster(const Features& img, std::vector<double>& centres, int64_t n, double step,
                             int64_t max_iter) {
  const int64_t h = img.h, w = img.w, f = img.f, stride = 2 + f;
  const double spatial = 1.0 / (step * step);
  std::vector<int64_t> nearest(static_cast<size_t>(h * w), 0);
  std::vector<double> dist(static_cast<size_t>(h * w));
  for (int64_t it = 0; it < max_iter; ++it) {
    std::fill(dist.begin(), dist.end(), DBL_MAX);
    bool changed = false;
    for (int64_t k = 0; k < n; ++k) {
      const double* c = centres.data() + k * stride;
      const auto y0 = static_cast<int64_t>(std::max(c[0] - 2 * step, 0.0));
      const auto y1 = static_cast<int64_t>(std::min(c[0] + 2 * step + 1, static_cast<double>(h)));
      const auto x0 = static_cast<int64_t>(std::max(c[1] - 2 * step, 0.0));
      const auto x1 = static_cast<int64_t>(std::min(c[1] + 2 * step + 1, static_cast<double>(w)));
      for (int64_t y = y0; y < y1; ++y) {
        const double dy = (c[0] - y) * (c[0] - y);
        for (int64_t x = x0; x < x1; ++x) {
          double d = (dy + (c[1] - x) * (c[1] - x)) * spatial;
          const double* p = img.at(y, x);
          for (int64_t j = 0; j < f; ++j) d += (p[j] - c[2 + j]) * (p[j] - c[2 + j]);
          if (dist[y * w + x] > d) {
            dist[y * w + x] = d;
            nearest[y * w + x] = k;
            changed = true;
          }
        }
      }
    }
    if (!changed) break;
    std::vector<double> sums(centres.size(), 0.0);
    std::vector<int64_t> counts(static_cast<size_t>(n), 0);
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x) {
        const int64_t k = nearest[y * w + x];
        double* s = sums.data() + k * stride;
        s[0] += y;
        s[1] += x;
        for (int64_t j = 0; j < f; ++j) s[2 + j] += img.at(y, x)[j];
        ++counts[k];
      }
    for (int64_t k = 0; k < n; ++k)  // an empty cluster keeps its centre
      if (counts[k] > 0)
        for (int64_t j = 0; j < stride; ++j) centres[k * stride + j] = sums[k * stride + j] / counts[k];
  }
  return nearest;
}

// skimage's _enforce_label_connectivity_cython in 2-D: relabels 4-connected components in
// raster order; a component smaller than min_size takes the label of an adjacent one, and a
// breadth-first search stops growing a component at max_size. Returns the number of labels.
int64_t enforce_connectivity(const std::vector<int64_t>& labels, int64_t h, int64_t w, int64_t min_size,
                             int64_t max_size, int64_t* out) {
  std::fill(out, out + h * w, -1);
  std::vector<int64_t> queue(static_cast<size_t>(h * w));
  const int64_t dy[4] = {0, 0, 1, -1}, dx[4] = {1, -1, 0, 0};
  int64_t next = 0;
  for (int64_t start = 0; start < h * w; ++start) {
    if (out[start] >= 0) continue;
    const int64_t label = labels[start];
    int64_t adjacent = 0, size = 1, visited = 0;
    out[start] = next;
    queue[0] = start;
    while (visited < size && size < max_size) {
      const int64_t y = queue[visited] / w, x = queue[visited] % w;
      for (int i = 0; i < 4; ++i) {
        const int64_t yy = y + dy[i], xx = x + dx[i];
        if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
        const int64_t q = yy * w + xx;
        if (labels[q] == label && out[q] == -1) {
          out[q] = next;
          queue[size++] = q;
          if (size >= max_size) break;
        } else if (out[q] >= 0 && out[q] != next) {
          adjacent = out[q];
        }
      }
      ++visited;
    }
    if (size < min_size)
      for (int64_t i = 0; i < size; ++i) out[queue[i]] = adjacent;
    else
      ++next;
  }
  return std::max<int64_t>(next, *std::max_element(out, out + h * w) + 1);
}

int64_t slic_one(const torch::Tensor& image, const SlicOptions& o, int64_t* out) {
  const auto img = features_of(image, o.compactness);
  const Grid g = regular_grid(img.h, img.w, o.n_segments);
  std::vector<double> centres;
  int64_t n = 0;
  for (int64_t y = g.start_y; y < img.h; y += g.step_y)
    for (int64_t x = g.start_x; x < img.w; x += g.step_x, ++n) {
      centres.push_back(static_cast<double>(y));
      centres.push_back(static_cast<double>(x));
      for (int64_t j = 0; j < img.f; ++j) centres.push_back(0.0);
    }
  const double step = static_cast<double>(std::max(g.step_y, g.step_x));
  const auto nearest = cluster(img, centres, n, step, o.max_iter);
  const double mean_size = static_cast<double>(img.h * img.w) / static_cast<double>(n);
  return enforce_connectivity(nearest, img.h, img.w, static_cast<int64_t>(o.min_size_factor * mean_size),
                              static_cast<int64_t>(o.max_size_factor * mean_size), out);
}

}  // namespace

torch::Tensor slic(const torch::Tensor& x, const SlicOptions& o, std::vector<int64_t>& segments) {
  require(x.dim() == 4, "slic: x must be (N,C,H,W)");
  require(o.n_segments >= 1, "slic: n_segments must be at least 1, got " + std::to_string(o.n_segments));
  require(o.compactness > 0, "slic: compactness must be positive, got " + std::to_string(o.compactness));
  const int64_t n = x.size(0);
  auto labels = torch::empty({n, x.size(2), x.size(3)}, torch::kInt64);
  segments.assign(static_cast<size_t>(n), 0);
  const auto cpu = x.to(torch::kCPU);
  // Images are independent: one per task, each wholly serial, so results do not depend on threads.
  at::parallel_for(0, n, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) segments[i] = slic_one(cpu[i], o, labels[i].data_ptr<int64_t>());
  });
  return labels;
}

}  // namespace fass::kernels
