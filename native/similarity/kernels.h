// The per-pair kernels behind similarity.h: plain loops over float64 buffers, one pair at a time,
// no allocation beyond the caller's scratch. A kernel returns its score, or NaN and a reason.
#pragma once
#include <cstdint>
#include <vector>

namespace fass::similarity::kernels {

struct Score {
  double value;
  const char* reason;  // nullptr when the value is valid
};

// Reusable buffers of one worker thread.
struct Scratch {
  std::vector<double> d0, d1, d2, d3;
  std::vector<uint64_t> k0, k1;
  std::vector<uint32_t> p0, p1, u0, u1;
  std::vector<uint8_t> s0, s1;
};

// SSIM window side: 11 (Gaussian: sigma 1.5, truncate 3.5, radius 5; uniform: 11 x 11 mean).
constexpr int kRadius = 5;
constexpr int kWindow = 2 * kRadius + 1;

// Mean SSIM of two maps already min-max normalised to [0,1] over their valid region and zero
// outside it (h x w, row-major). valid: nullptr (all valid) or h*w bytes, nonzero = valid.
// Local statistics are weighted means over the valid pixels of each window (normalised
// convolution: weights of invalid pixels are dropped and the rest renormalised); with no mask
// this is exactly skimage's structural_similarity with use_sample_covariance=False.
// gaussian: sigma 1.5 window, mean over positions at least 5 px from the border (skimage's crop),
// intersected with valid; needs h, w >= 11. uniform: 11 x 11 mean with zero padding (outside the
// frame counts as a valid zero), mean over every valid position.
Score ssim(const double* a, const double* b, const uint8_t* valid, int64_t h, int64_t w, bool gaussian, Scratch& s);

// Spearman's rho of n values: Pearson correlation of average ranks (scipy.stats.spearmanr).
// abs: ranks of |a|, |b|.
Score spearman(const double* a, const double* b, int64_t n, bool abs, Scratch& s);

// |A n B| / |A u B| for the k largest |values| (signed: largest values) of each, ties broken by
// lower index (np.argsort(-key, kind='stable')[:k]). 1 <= k <= n.
Score topk_jaccard(const double* a, const double* b, int64_t n, int64_t k, bool signed_values, Scratch& s);

Score pearson(const double* a, const double* b, int64_t n);
Score cosine(const double* a, const double* b, int64_t n);
Score l2(const double* a, const double* b, int64_t n);  // ||a - b|| / ||a||

// Average ranks (1-based) of n values, exact ties sharing their mean rank: scipy.stats.rankdata.
// Sorts by an LSD radix sort of the values' order-preserving 64-bit keys. Values must be finite.
void average_ranks(const double* x, int64_t n, bool abs, double* ranks, Scratch& s);

}  // namespace fass::similarity::kernels
