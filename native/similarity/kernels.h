// The per-pair kernels behind similarity.h: plain loops over the maps, one pair at a time, no
// allocation beyond the caller's reusable buffers. Maps are float32 (read in place: attributions
// are) or float64 (channel reductions); arithmetic is float64 either way. A kernel returns its
// score, or NaN and a reason.
#pragma once
#include <cstdint>
#include <cstring>
#include <vector>

namespace fass::similarity::kernels {

struct Score {
  double value;
  const char* reason;  // nullptr when the value is valid
};

// Reusable buffers of one worker thread.
struct Scratch {
  std::vector<double> d0, d1, d2;
  std::vector<float> f0;
  std::vector<uint32_t> u0, u1;
  std::vector<uint8_t> s0;
};

// The buffers a sorted order lives in; the next sort into them ends it. 32-bit keys use key, k1
// and p0; 64-bit keys k0, k1, p0 and p1.
struct SortBuffers {
  std::vector<uint64_t> k0, k1;
  std::vector<uint32_t> p0, p1, key;
};

// n values (or their absolute values) in ascending order; equal values keep ascending positions
// (stable). Up to 2^22 values that are all float32 values (maps of float32 attributions are) sort
// as 32-bit keys, three radix passes, into (key << 32 | position) words; others as 64-bit keys
// with separate positions, up to six.
struct Order {
  const uint64_t* packed = nullptr;  // (32-bit key << 32 | position)
  const uint64_t* key = nullptr;     // or 64-bit keys ...
  const uint32_t* pos = nullptr;     // ... with their positions
  int64_t n = 0;
  bool abs = false;  // sorted by |value|
  uint64_t key_at(int64_t i) const { return packed ? packed[i] >> 32 : key[i]; }
  uint32_t pos_at(int64_t i) const { return packed ? static_cast<uint32_t>(packed[i]) : pos[i]; }
  // The value (|value| for an abs order) at i, decoded from its key (-0 reads as +0).
  double value_at(int64_t i) const {
    if (packed) {
      const uint32_t k = static_cast<uint32_t>(packed[i] >> 32);
      const uint32_t u = (k >> 31) ? (k ^ 0x80000000u) : ~k;
      float f;
      std::memcpy(&f, &u, sizeof f);
      return f;
    }
    const uint64_t k = key[i];
    const uint64_t u = (k >> 63) ? (k ^ (uint64_t{1} << 63)) : ~k;
    double d;
    std::memcpy(&d, &u, sizeof d);
    return d;
  }
};

// Sorts x (abs: |x|) by an LSD radix sort of order-preserving keys (-0 and +0 are equal). Finite
// values only. The order points into b.
Order sort_values(const float* x, int64_t n, bool abs, SortBuffers& b);
Order sort_values(const double* x, int64_t n, bool abs, SortBuffers& b);

// SSIM window side: 11 (Gaussian: sigma 1.5, truncate 3.5, radius 5; uniform: 11 x 11 mean).
constexpr int kRadius = 5;
constexpr int kWindow = 2 * kRadius + 1;

// Smallest and largest of n values, and whether all are finite (one vectorised pass; min and max
// mean nothing when finite is false).
struct Range {
  double min, max;
  bool finite;
};
Range range_of(const float* x, int64_t n);
Range range_of(const double* x, int64_t n);

// Mean SSIM of two maps (h x w, row-major), each min-max scaled to [0,1] over its valid region
// by its range (ra, rb: min and max over the valid region; a constant map scales to zeros, as
// the reference does) and zero outside it. valid: nullptr (all valid) or h*w bytes, nonzero = valid.
// Local statistics are weighted means over the valid pixels of each window (normalised
// convolution: weights of invalid pixels are dropped and the rest renormalised); with no mask
// this is exactly skimage's structural_similarity with use_sample_covariance=False.
// gaussian: sigma 1.5 window, mean over positions at least 5 px from the border (skimage's crop),
// intersected with valid; needs h, w >= 11. uniform: 11 x 11 mean with zero padding (outside the
// frame counts as a valid zero), mean over every valid position.
Score ssim(const float* a, const float* b, const uint8_t* valid, int64_t h, int64_t w, Range ra, Range rb, bool gaussian, Scratch& s);
Score ssim(const double* a, const double* b, const uint8_t* valid, int64_t h, int64_t w, Range ra, Range rb, bool gaussian, Scratch& s);

// Spearman's rho from the orders of a and b (both signed or both abs): the Pearson correlation of
// average ranks, ties sharing their mean rank (scipy.stats.spearmanr). In two halves, so that one
// set of sort buffers serves both maps: the first keeps a's rank deviations in s, the second
// reads them while walking b's order.
struct RankSums {
  double saa;    // sum of squared rank deviations of a
  int64_t runs;  // distinct values of a
  bool abs;
  int64_t n;
};
RankSums spearman_first(const Order& a, Scratch& s);
Score spearman_second(const RankSums& first, const Order& b, Scratch& s);

// Positions (in no particular order) of the k largest |values| (signed: largest values), ties broken by lower
// position: np.argsort(-key, kind='stable')[:k]. 1 <= k <= n. With an order of x (signed, or abs
// when !signed_values) the head is read from it; without one (order == nullptr) it is found by
// radix selection in linear time.
void top_k(const float* x, int64_t n, int64_t k, bool signed_values, const Order* order, Scratch& s, std::vector<uint32_t>& out);
void top_k(const double* x, int64_t n, int64_t k, bool signed_values, const Order* order, Scratch& s, std::vector<uint32_t>& out);

// |A n B| / |A u B| of two top-k position sets of the same size k over n positions.
Score jaccard(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b, int64_t n, Scratch& s);

Score pearson(const float* a, const float* b, int64_t n);
Score pearson(const double* a, const double* b, int64_t n);
Score cosine(const float* a, const float* b, int64_t n);
Score cosine(const double* a, const double* b, int64_t n);
Score l2(const float* a, const float* b, int64_t n);  // ||a - b|| / ||a||
Score l2(const double* a, const double* b, int64_t n);

}  // namespace fass::similarity::kernels
