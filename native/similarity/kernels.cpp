#include "kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>

namespace fass::similarity::kernels {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

inline Score nan_because(const char* reason) { return {kNaN, reason}; }

inline double clamp1(double r) { return r > 1.0 ? 1.0 : (r < -1.0 ? -1.0 : r); }

// An unsigned key whose order is the order of the doubles (finite or infinite, not NaN); -0 and
// +0, equal as numbers, get the same key.
inline uint64_t order_key(double x) {
  x += 0.0;  // -0.0 + 0.0 = +0.0 under round-to-nearest
  uint64_t u;
  std::memcpy(&u, &x, sizeof u);
  return (u >> 63) ? ~u : (u | (uint64_t{1} << 63));
}

// True when every value is a float32 value, as maps of float32 attributions are (reductions of
// several channels need not be): their order then fits 32-bit keys.
bool all_float32(const double* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    if (static_cast<double>(static_cast<float>(x[i])) != x[i]) return false;
  return true;
}

inline uint32_t order_key32(float x) {
  x += 0.0f;
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return (u >> 31) ? ~u : (u | (uint32_t{1} << 31));
}

constexpr int kBits = 11, kBuckets = 1 << kBits;
constexpr uint64_t kDigit = kBuckets - 1;

// LSD radix sort, 11-bit digits, of 64-bit words by their bits [lo, 64); a pass whose digit is the
// same for every word is skipped (as for float32 values held in doubles, whose low 29 bits are
// zero). Stable, so equal keys keep their order. Sorts v (n words) using tmp; returns the buffer
// holding the result.
uint64_t* radix_sort(uint64_t* v, uint64_t* tmp, int64_t n, int lo) {
  if (n <= 1) return v;
  const int passes = (64 - lo + kBits - 1) / kBits;
  std::vector<uint32_t> hist(static_cast<size_t>(passes) * kBuckets, 0);
  for (int64_t i = 0; i < n; ++i) {
    const uint64_t k = v[i];
    for (int p = 0; p < passes; ++p) ++hist[p * kBuckets + ((k >> (lo + p * kBits)) & kDigit)];
  }
  for (int p = 0; p < passes; ++p) {
    uint32_t* h = hist.data() + p * kBuckets;
    const int shift = lo + p * kBits;
    if (h[(v[0] >> shift) & kDigit] == static_cast<uint32_t>(n)) continue;  // one digit value: nothing moves
    uint32_t sum = 0;
    for (int d = 0; d < kBuckets; ++d) {
      const uint32_t c = h[d];
      h[d] = sum;
      sum += c;
    }
    for (int64_t i = 0; i < n; ++i) {
      const uint64_t k = v[i];
      tmp[h[(k >> shift) & kDigit]++] = k;
    }
    std::swap(v, tmp);
  }
  return v;
}

// The same for (64-bit key, position) pairs in two arrays.
std::pair<const uint64_t*, const uint32_t*> radix_sort_pairs(int64_t n, Scratch& s) {
  constexpr int kPasses = 6;
  s.k1.resize(static_cast<size_t>(n));
  s.p1.resize(static_cast<size_t>(n));
  uint64_t* src = s.k0.data();
  uint64_t* dst = s.k1.data();
  uint32_t* psrc = s.p0.data();
  uint32_t* pdst = s.p1.data();
  if (n <= 1) return {src, psrc};
  std::vector<uint32_t> hist(static_cast<size_t>(kPasses) * kBuckets, 0);
  for (int64_t i = 0; i < n; ++i) {
    const uint64_t k = src[i];
    for (int p = 0; p < kPasses; ++p) ++hist[p * kBuckets + ((k >> (p * kBits)) & kDigit)];
  }
  for (int p = 0; p < kPasses; ++p) {
    uint32_t* h = hist.data() + p * kBuckets;
    const int shift = p * kBits;
    if (h[(src[0] >> shift) & kDigit] == static_cast<uint32_t>(n)) continue;
    uint32_t sum = 0;
    for (int d = 0; d < kBuckets; ++d) {
      const uint32_t c = h[d];
      h[d] = sum;
      sum += c;
    }
    for (int64_t i = 0; i < n; ++i) {
      const uint64_t k = src[i];
      const uint32_t at = h[(k >> shift) & kDigit]++;
      dst[at] = k;
      pdst[at] = psrc[i];
    }
    std::swap(src, dst);
    std::swap(psrc, pdst);
  }
  return {src, psrc};
}

// Ranks as average_ranks; returns the number of distinct values.
int64_t ranks_of(const double* x, int64_t n, bool abs, double* ranks, Scratch& s) {
  int64_t distinct = 0;
  if (all_float32(x, n)) {
    // (32-bit key << 32 | position), sorted on the key bits only
    s.k0.resize(static_cast<size_t>(n));
    s.k1.resize(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      const float f = static_cast<float>(x[i]);
      s.k0[i] = (static_cast<uint64_t>(order_key32(abs ? std::fabs(f) : f)) << 32) | static_cast<uint64_t>(i);
    }
    const uint64_t* v = radix_sort(s.k0.data(), s.k1.data(), n, 32);
    for (int64_t i = 0; i < n;) {
      const uint64_t key = v[i] >> 32;
      int64_t j = i + 1;
      while (j < n && (v[j] >> 32) == key) ++j;
      const double r = 0.5 * static_cast<double>(i + 1 + j);  // mean of ranks i+1 .. j
      for (int64_t t = i; t < j; ++t) ranks[v[t] & 0xffffffffu] = r;
      ++distinct;
      i = j;
    }
    return distinct;
  }
  s.k0.resize(static_cast<size_t>(n));
  s.p0.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    s.k0[i] = order_key(abs ? std::fabs(x[i]) : x[i]);
    s.p0[i] = static_cast<uint32_t>(i);
  }
  auto [keys, pos] = radix_sort_pairs(n, s);
  for (int64_t i = 0; i < n;) {
    int64_t j = i + 1;
    while (j < n && keys[j] == keys[i]) ++j;
    const double r = 0.5 * static_cast<double>(i + 1 + j);
    for (int64_t t = i; t < j; ++t) ranks[pos[t]] = r;
    ++distinct;
    i = j;
  }
  return distinct;
}

// The k-th largest of n 32-bit keys, by MSD radix selection (digits of 11, 11 and 10 bits), and
// how many keys are above it.
std::pair<uint32_t, int64_t> kth_largest(const uint32_t* key, int64_t n, int64_t k, std::vector<uint32_t>& cand) {
  uint32_t hist[kBuckets];
  // level 1: bits 21..31 over every key
  std::fill(hist, hist + kBuckets, 0u);
  for (int64_t i = 0; i < n; ++i) ++hist[key[i] >> 21];
  int64_t above = 0, need = k;
  int d1 = kBuckets - 1;
  for (; d1 > 0 && hist[d1] < need; --d1) {
    need -= hist[d1];
    above += hist[d1];
  }
  cand.clear();
  for (int64_t i = 0; i < n; ++i)
    if ((key[i] >> 21) == static_cast<uint32_t>(d1)) cand.push_back(key[i]);
  // level 2: bits 10..20 among the candidates
  std::fill(hist, hist + kBuckets, 0u);
  for (uint32_t v : cand) ++hist[(v >> 10) & kDigit];
  int d2 = kBuckets - 1;
  for (; d2 > 0 && hist[d2] < need; --d2) {
    need -= hist[d2];
    above += hist[d2];
  }
  // level 3: bits 0..9
  std::fill(hist, hist + 1024, 0u);
  for (uint32_t v : cand)
    if (((v >> 10) & kDigit) == static_cast<uint32_t>(d2)) ++hist[v & 1023];
  int d3 = 1023;
  for (; d3 > 0 && hist[d3] < need; --d3) {
    need -= hist[d3];
    above += hist[d3];
  }
  return {(static_cast<uint32_t>(d1) << 21) | (static_cast<uint32_t>(d2) << 10) | static_cast<uint32_t>(d3), above};
}

// Marks the k entries of the stable descending order's head: every key above the k-th largest,
// then the lowest-indexed keys equal to it until k are taken.
void select_top(const double* x, int64_t n, int64_t k, bool signed_values, Scratch& s, std::vector<uint8_t>& sel) {
  sel.resize(static_cast<size_t>(n));
  if (all_float32(x, n)) {
    s.u0.resize(static_cast<size_t>(n));
    uint32_t* key = s.u0.data();
    for (int64_t i = 0; i < n; ++i) {
      const float f = static_cast<float>(x[i]);
      key[i] = order_key32(signed_values ? f : std::fabs(f));
    }
    const auto [t, above] = kth_largest(key, n, k, s.u1);
    int64_t quota = k - above;  // >= 1: t itself is among the k largest
    for (int64_t i = 0; i < n; ++i) {
      uint8_t in = key[i] > t;
      if (key[i] == t && quota > 0) {
        in = 1;
        --quota;
      }
      sel[i] = in;
    }
    return;
  }
  auto& keys = s.d0;
  auto& work = s.d1;
  keys.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) keys[i] = signed_values ? x[i] : std::fabs(x[i]);
  work.assign(keys.begin(), keys.end());
  std::nth_element(work.begin(), work.begin() + (k - 1), work.end(), std::greater<double>());
  const double t = work[k - 1];
  int64_t above = 0;
  for (int64_t i = 0; i < n; ++i) above += keys[i] > t;
  int64_t quota = k - above;
  for (int64_t i = 0; i < n; ++i) {
    const double v = keys[i];
    uint8_t in = v > t;
    if (!in && v == t && quota > 0) {
      in = 1;
      --quota;
    }
    sel[i] = in;
  }
}

}  // namespace

void average_ranks(const double* x, int64_t n, bool abs, double* ranks, Scratch& s) {
  ranks_of(x, n, abs, ranks, s);
}

Score spearman(const double* a, const double* b, int64_t n, bool abs, Scratch& s) {
  s.d0.resize(static_cast<size_t>(n));
  s.d1.resize(static_cast<size_t>(n));
  double* ra = s.d0.data();
  double* rb = s.d1.data();
  if (ranks_of(a, n, abs, ra, s) < 2) return nan_because(abs ? "constant |map a| on the valid region" : "constant map a on the valid region");
  if (ranks_of(b, n, abs, rb, s) < 2) return nan_because(abs ? "constant |map b| on the valid region" : "constant map b on the valid region");
  const double mean = 0.5 * static_cast<double>(n + 1);
  double sab = 0, saa = 0, sbb = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double da = ra[i] - mean, db = rb[i] - mean;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return {clamp1(sab / std::sqrt(saa * sbb)), nullptr};
}

Score topk_jaccard(const double* a, const double* b, int64_t n, int64_t k, bool signed_values, Scratch& s) {
  select_top(a, n, k, signed_values, s, s.s0);
  select_top(b, n, k, signed_values, s, s.s1);
  int64_t both = 0;
  const uint8_t* sa = s.s0.data();
  const uint8_t* sb = s.s1.data();
  for (int64_t i = 0; i < n; ++i) both += sa[i] & sb[i];
  return {static_cast<double>(both) / static_cast<double>(2 * k - both), nullptr};
}

Score pearson(const double* a, const double* b, int64_t n) {
  double amin = a[0], amax = a[0], bmin = b[0], bmax = b[0], sa = 0, sb = 0;
  for (int64_t i = 0; i < n; ++i) {
    amin = std::min(amin, a[i]);
    amax = std::max(amax, a[i]);
    bmin = std::min(bmin, b[i]);
    bmax = std::max(bmax, b[i]);
    sa += a[i];
    sb += b[i];
  }
  if (amin == amax) return nan_because("constant map a on the valid region");
  if (bmin == bmax) return nan_because("constant map b on the valid region");
  const double ma = sa / static_cast<double>(n), mb = sb / static_cast<double>(n);
  double sab = 0, saa = 0, sbb = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double da = a[i] - ma, db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return {clamp1(sab / std::sqrt(saa * sbb)), nullptr};
}

Score cosine(const double* a, const double* b, int64_t n) {
  double ab = 0, aa = 0, bb = 0;
  for (int64_t i = 0; i < n; ++i) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  if (aa == 0) return nan_because("map a is zero on the valid region");
  if (bb == 0) return nan_because("map b is zero on the valid region");
  return {clamp1(ab / (std::sqrt(aa) * std::sqrt(bb))), nullptr};
}

Score l2(const double* a, const double* b, int64_t n) {
  double dd = 0, aa = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double d = a[i] - b[i];
    dd += d * d;
    aa += a[i] * a[i];
  }
  if (aa == 0) return nan_because("map a is zero on the valid region (l2 divides by ||a||)");
  return {std::sqrt(dd) / std::sqrt(aa), nullptr};
}

// Compiled twice: for x86-64-v3 (AVX2, FMA) where the CPU has it, and for any x86-64.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define FASS_SIMD_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define FASS_SIMD_CLONES
#endif

FASS_SIMD_CLONES
Score ssim(const double* a, const double* b, const uint8_t* valid, int64_t h, int64_t w, bool gaussian, Scratch& s) {
  constexpr int r = kRadius;
  constexpr double C1 = 0.01 * 0.01, C2 = 0.03 * 0.03;
  // Window weights. Gaussian: scipy.ndimage's _gaussian_kernel1d(sigma 1.5, radius 5).
  double wt[kWindow];
  if (gaussian) {
    const double sigma2 = 1.5 * 1.5;
    double sum = 0;
    for (int t = 0; t < kWindow; ++t) {
      const double x = t - r;
      wt[t] = std::exp(-0.5 / sigma2 * (x * x));
      sum += wt[t];
    }
    for (double& v : wt) v /= sum;
  } else {
    for (double& v : wt) v = 1.0 / kWindow;
  }
  // Output positions: skimage's crop for the Gaussian window (whose windows then never leave the
  // frame), every position for the uniform one (zero padding).
  const int64_t y0 = gaussian ? r : 0, y1 = gaussian ? h - r : h;
  const int64_t x0 = gaussian ? r : 0, x1 = gaussian ? w - r : w;
  if (y1 <= y0 || x1 <= x0) return nan_because("maps smaller than the 11 x 11 SSIM window");
  // Filtered quantities: a, b, a^2 + b^2, ab, and with a mask the invalid indicator. Rows are
  // filtered along x into a ring of 11 rows per quantity, and each output row is filtered along y
  // from the ring as soon as its window is complete: everything stays in cache.
  const int nq = valid ? 5 : 4;
  const int64_t wp = w + 2 * r, wo = x1 - x0;
  s.d0.assign(static_cast<size_t>(nq * wp), 0.0);       // one padded input row per quantity
  s.d1.assign(static_cast<size_t>(nq * kWindow * wo), 0.0);  // ring: quantity q, slot t at (q * 11 + t) * wo
  s.d2.resize(static_cast<size_t>(nq * wo));            // one row filtered along both axes
  s.d3.resize(static_cast<size_t>(wo));                 // its local SSIM
  double* rows = s.d0.data();
  double* ring = s.d1.data();
  double* acc = s.d2.data();
  double* sv = s.d3.data();
  double total = 0;
  int64_t count = 0;
  // yy: the row entering the ring (rows outside the frame are zero rows: zero padding).
  for (int64_t yy = y0 - r; yy < y1 + r; ++yy) {
    const int slot = static_cast<int>(((yy % kWindow) + kWindow) % kWindow);
    if (yy < 0 || yy >= h) {
      for (int q = 0; q < nq; ++q) std::fill(ring + (q * kWindow + slot) * wo, ring + (q * kWindow + slot + 1) * wo, 0.0);
    } else {
      const double* ay = a + yy * w;
      const double* by = b + yy * w;
      double* r0 = rows + r;
      double* r1 = rows + wp + r;
      double* r2 = rows + 2 * wp + r;
      double* r3 = rows + 3 * wp + r;
      for (int64_t x = 0; x < w; ++x) {
        const double av = ay[x], bv = by[x];
        r0[x] = av;
        r1[x] = bv;
        r2[x] = av * av + bv * bv;
        r3[x] = av * bv;
      }
      if (valid) {
        double* r4 = rows + 4 * wp + r;
        const uint8_t* vy = valid + yy * w;
        for (int64_t x = 0; x < w; ++x) r4[x] = vy[x] ? 0.0 : 1.0;
      }
      for (int q = 0; q < nq; ++q) {
        const double* in = rows + q * wp + r + x0;  // in[xo] is the centre of output xo
        double* out = ring + (q * kWindow + slot) * wo;
        for (int64_t xo = 0; xo < wo; ++xo) {
          double v = wt[r] * in[xo];
          for (int j = 1; j <= r; ++j) v += wt[r + j] * (in[xo + j] + in[xo - j]);
          out[xo] = v;
        }
      }
    }
    const int64_t y = yy - r;  // the output row whose window is now complete
    if (y < y0) continue;
    for (int q = 0; q < nq; ++q) {
      const double* base = ring + q * kWindow * wo;
      auto row = [&](int64_t yr) { return base + ((yr % kWindow + kWindow) % kWindow) * wo; };
      const double* c = row(y);
      double* o = acc + q * wo;
      for (int64_t xo = 0; xo < wo; ++xo) o[xo] = wt[r] * c[xo];
      for (int j = 1; j <= r; ++j) {
        const double* up = row(y - j);
        const double* dn = row(y + j);
        const double wj = wt[r + j];
        for (int64_t xo = 0; xo < wo; ++xo) o[xo] += wj * (up[xo] + dn[xo]);
      }
    }
    // The local SSIM of the whole row (branch-free, so it vectorises), then its valid positions.
    for (int64_t xo = 0; xo < wo; ++xo) {
      double ux = acc[xo], uy = acc[wo + xo], uss = acc[2 * wo + xo], uxy = acc[3 * wo + xo];
      if (valid) {
        const double inv = 1.0 / (1.0 - acc[4 * wo + xo]);  // weight of the window's valid pixels
        ux *= inv;
        uy *= inv;
        uss *= inv;
        uxy *= inv;
      }
      const double pxy = ux * uy;
      const double sq = ux * ux + uy * uy;
      sv[xo] = ((2 * pxy + C1) * (2 * (uxy - pxy) + C2)) / ((sq + C1) * (uss - sq + C2));
    }
    if (valid) {
      const uint8_t* vy = valid + y * w + x0;
      for (int64_t xo = 0; xo < wo; ++xo) {
        if (!vy[xo]) continue;
        total += sv[xo];
        ++count;
      }
    } else {
      for (int64_t xo = 0; xo < wo; ++xo) total += sv[xo];
      count += wo;
    }
  }
  if (count == 0) return nan_because("no valid pixel inside the SSIM border (5 px)");
  return {total / static_cast<double>(count), nullptr};
}

}  // namespace fass::similarity::kernels
