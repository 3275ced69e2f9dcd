#include "kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>

namespace fass::similarity::kernels {

// Hot loops are compiled twice: for x86-64-v3 (AVX2, FMA) where the CPU has it, and for any
// x86-64 (the build targets the baseline). Not for AVX-512: on the Xeons measured its clone was
// slower (6% per pair, the whole pair, as the core's clock drops for later code too).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define FASS_SIMD_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define FASS_SIMD_CLONES
#endif

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

inline uint32_t order_key32(float x) {
  x += 0.0f;  // -0 -> +0
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u ^ (static_cast<uint32_t>(static_cast<int32_t>(u) >> 31) | 0x80000000u);  // negative: ~u; else set the sign bit
}

constexpr int kBits = 11, kBuckets = 1 << kBits;
constexpr uint64_t kDigit = kBuckets - 1;

// The order keys of n values (of |x| when abs) as float32 keys; false when some value is not a
// float32 value (maps of float32 attributions always are; reductions over channels need not be),
// in which case 64-bit keys are used.
FASS_SIMD_CLONES
bool float_keys(const double* __restrict x, int64_t n, bool abs, uint32_t* __restrict key) {
  int inexact = 0;  // an int flag and a loop per case, so that both loops vectorise
  if (abs) {
    for (int64_t i = 0; i < n; ++i) {
      const float f = static_cast<float>(x[i]);
      inexact |= static_cast<double>(f) != x[i];
      key[i] = order_key32(std::fabs(f));
    }
  } else {
    for (int64_t i = 0; i < n; ++i) {
      const float f = static_cast<float>(x[i]);
      inexact |= static_cast<double>(f) != x[i];
      key[i] = order_key32(f);
    }
  }
  return !inexact;
}

// Float32 values are float32 values.
FASS_SIMD_CLONES
bool float_keys(const float* __restrict x, int64_t n, bool abs, uint32_t* __restrict key) {
  if (abs) for (int64_t i = 0; i < n; ++i) key[i] = order_key32(std::fabs(x[i]));
  else for (int64_t i = 0; i < n; ++i) key[i] = order_key32(x[i]);
  return true;
}

// Turns a digit's histogram into bucket offsets (exclusive prefix sums).
void to_offsets(uint32_t* h) {
  uint32_t sum = 0;
  for (int d = 0; d < kBuckets; ++d) {
    const uint32_t c = h[d];
    h[d] = sum;
    sum += c;
  }
}

// One LSD radix pass: turns the digit's histogram h into bucket offsets and runs the scatter
// `move`; false (nothing to do) when every word has the same digit.
template <typename Move>
bool radix_pass(int64_t n, uint32_t* h, uint32_t first_digit_count, Move&& move) {
  if (first_digit_count == static_cast<uint32_t>(n)) return false;
  to_offsets(h);
  move();
  return true;
}

// The k-th largest of n 32-bit keys and how many keys are above it, by MSD radix selection
// (digits of 11, 11 and 10 bits).
std::pair<uint32_t, int64_t> kth_largest(const uint32_t* key, int64_t n, int64_t k, std::vector<uint32_t>& cand) {
  uint32_t hist[kBuckets];
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
  std::fill(hist, hist + kBuckets, 0u);
  for (uint32_t v : cand) ++hist[(v >> 10) & kDigit];
  int d2 = kBuckets - 1;
  for (; d2 > 0 && hist[d2] < need; --d2) {
    need -= hist[d2];
    above += hist[d2];
  }
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

// Positions ride in the low 22 bits of the sort's words: maps of up to 4M values sort as 32-bit keys.
constexpr int kPosBits = 22;
constexpr int64_t kMaxPacked = int64_t{1} << kPosBits;
constexpr uint64_t kPos = kMaxPacked - 1;

// (key << 32 | position) words of n <= 2^22 32-bit keys in ascending key order (stable), by LSD
// radix passes on the keys' 11, 11 and 10 bit digits, points into b. Each pass carries only the
// key bits that later passes read: the first writes (key >> 11, position) as 64-bit words, the
// second (key >> 22, position) as 32-bit words, and the last reads the whole key back by position
// into the first pass's buffer: the passes move 40 bytes per value where (key, position) words
// took 60 with their packing, in three buffers (16 bytes per value, 800 KB for 224 x 224) where
// they took four.
template <typename KeyOf>
const uint64_t* sort_keys32(int64_t n, KeyOf key, SortBuffers& b) {
  b.k1.resize(static_cast<size_t>(n));
  b.p0.resize(static_cast<size_t>(n));
  uint32_t hist[3 * kBuckets];
  std::fill(hist, hist + 3 * kBuckets, 0u);
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t k = key(i);
    ++hist[k & kDigit];
    ++hist[kBuckets + ((k >> kBits) & kDigit)];
    ++hist[2 * kBuckets + (k >> (2 * kBits))];
  }
  for (int p = 0; p < 3; ++p) to_offsets(hist + p * kBuckets);
  uint32_t *h0 = hist, *h1 = hist + kBuckets, *h2 = hist + 2 * kBuckets;
  uint64_t* high21 = b.k1.data();
  uint32_t* high10 = b.p0.data();
  uint64_t* out = high21;  // free once the second pass has read it
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t k = key(i);
    high21[h0[k & kDigit]++] = (static_cast<uint64_t>(k >> kBits) << kPosBits) | static_cast<uint64_t>(i);
  }
  for (int64_t i = 0; i < n; ++i) {
    const uint64_t w = high21[i];
    high10[h1[(w >> kPosBits) & kDigit]++] = static_cast<uint32_t>(((w >> (kPosBits + kBits)) << kPosBits) | (w & kPos));
  }
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t w = high10[i], at = static_cast<uint32_t>(w & kPos);
    out[h2[w >> kPosBits]++] = (static_cast<uint64_t>(key(at)) << 32) | at;
  }
  return out;
}

// Any values as 64-bit keys with separate positions, six passes (values that are not all float32
// values, or more than 2^22 of them).
template <typename T>
Order sort_keys64(const T* x, int64_t n, bool abs, SortBuffers& b) {
  Order out;
  out.n = n;
  out.abs = abs;
  b.k0.resize(static_cast<size_t>(n));
  b.k1.resize(static_cast<size_t>(n));
  constexpr int kPasses = 6;
  std::vector<uint32_t> hist(static_cast<size_t>(kPasses) * kBuckets, 0);
  b.p0.resize(static_cast<size_t>(n));
  b.p1.resize(static_cast<size_t>(n));
  uint64_t* src = b.k0.data();
  uint64_t* dst = b.k1.data();
  uint32_t* psrc = b.p0.data();
  uint32_t* pdst = b.p1.data();
  for (int64_t i = 0; i < n; ++i) {
    const uint64_t k = order_key(abs ? std::fabs(x[i]) : x[i]);
    src[i] = k;
    psrc[i] = static_cast<uint32_t>(i);
    for (int p = 0; p < kPasses; ++p) ++hist[p * kBuckets + ((k >> (p * kBits)) & kDigit)];
  }
  for (int p = 0; p < kPasses && n > 1; ++p) {
    uint32_t* h = hist.data() + p * kBuckets;
    const int shift = p * kBits;
    if (radix_pass(n, h, h[(src[0] >> shift) & kDigit], [&] {
          for (int64_t i = 0; i < n; ++i) {
            const uint64_t k = src[i];
            const uint32_t at = h[(k >> shift) & kDigit]++;
            dst[at] = k;
            pdst[at] = psrc[i];
          }
        })) {
      std::swap(src, dst);
      std::swap(psrc, pdst);
    }
  }
  out.key = src;
  out.pos = psrc;
  return out;
}

template <typename T>
Order sort_of(const T* x, int64_t n, bool abs, SortBuffers& b) {
  b.key.resize(static_cast<size_t>(n));
  if (n > kMaxPacked || !float_keys(x, n, abs, b.key.data())) return sort_keys64(x, n, abs, b);
  Order out;
  out.n = n;
  out.abs = abs;
  out.packed = sort_keys32(n, [k = b.key.data()](int64_t i) { return k[i]; }, b);
  return out;
}

}  // namespace

Order sort_values(const float* x, int64_t n, bool abs, SortBuffers& b) { return sort_of(x, n, abs, b); }
Order sort_values(const double* x, int64_t n, bool abs, SortBuffers& b) { return sort_of(x, n, abs, b); }

namespace {

// Runs [i, j) of two or more equal values in a sorted order (key(t): the key at sorted index t),
// in order: f(i, j). Returns how many values equal the one before them (n - distinct values).
template <typename Key, typename F>
int64_t for_each_tie(int64_t n, Key key, F&& f) {
  int64_t tied = 0;
  for (int64_t i = 0; i + 1 < n;) {
    if (key(i + 1) != key(i)) {
      ++i;
      continue;
    }
    int64_t j = i + 2;
    while (j < n && key(j) == key(i)) ++j;
    f(i, j);
    tied += j - i - 1;
    i = j;
  }
  return tied;
}

// f(pos, key) with accessors of the order's positions and keys by sorted index, specialised for
// the packed layout (the common one) so that the hot loops read one array.
template <typename F>
auto with_order(const Order& o, F&& f) {
  if (o.packed) {
    const uint64_t* w = o.packed;
    return f([w](int64_t t) { return static_cast<uint32_t>(w[t]); }, [w](int64_t t) { return w[t] >> 32; });
  }
  const uint64_t* k = o.key;
  const uint32_t* p = o.pos;
  return f([p](int64_t t) { return p[t]; }, [k](int64_t t) { return k[t]; });
}

// Sum of squared deviations of average ranks from their mean: n (n^2 - 1) / 12 without ties,
// less (L^3 - L) / 12 for each run of L tied values (ties_cubed: the sum of L^3 - L).
// In long double: n^3 outgrows float64's exact integers past n = 2^17, and a near-constant map
// subtracts two nearly equal terms.
double rank_ss(int64_t n, double ties_cubed) {
  const long double m = static_cast<long double>(n);
  return static_cast<double>((m * m * m - m - static_cast<long double>(ties_cubed)) / 12.0L);
}

// Deviations of a's ranks from the mean rank (n + 1) / 2, stored by position as T: multiples of
// 1/2 smaller than n / 2, exact in float32 below 2^24 values, whose smaller array the random
// accesses find in cache more often. Every value first gets rank t + 1 (its sorted index t), a
// branch-free scatter; the few tie runs then overwrite theirs with the run's mean rank.
template <typename T>
RankSums first_half(const Order& a, std::vector<T>& store) {
  const int64_t n = a.n;
  const double mean = 0.5 * static_cast<double>(n + 1);
  store.resize(static_cast<size_t>(n));
  T* da = store.data();
  double ties_cubed = 0;
  const int64_t tied = with_order(a, [&](auto pos, auto key) {
    for (int64_t t = 0; t < n; ++t) da[pos(t)] = static_cast<T>(static_cast<double>(t) + 1.0 - mean);
    return for_each_tie(n, key, [&](int64_t i, int64_t j) {
      const T d = static_cast<T>(0.5 * static_cast<double>(i + 1 + j) - mean);
      for (int64_t t = i; t < j; ++t) da[pos(t)] = d;
      const double len = static_cast<double>(j - i);
      ties_cubed += len * len * len - len;
    });
  });
  return RankSums{rank_ss(n, ties_cubed), n - tied, a.abs, n};
}

// Walks b's order reading a's deviations by position: the sum of products with b's ranks taken
// as t + 1 (four independent sums, branch-free), then corrected on b's tie runs to their mean rank.
template <typename T>
Score second_half(const RankSums& first, const Order& b, const std::vector<T>& store) {
  if (first.runs < 2) return nan_because(first.abs ? "constant |map a| on the valid region" : "constant map a on the valid region");
  const int64_t n = b.n;
  const double mean = 0.5 * static_cast<double>(n + 1);
  const T* da = store.data();
  double sab = 0, ties_cubed = 0;
  const int64_t tied = with_order(b, [&](auto pos, auto key) {
    double s[4] = {0, 0, 0, 0};
    int64_t t = 0;
    for (; t + 4 <= n; t += 4)
      for (int u = 0; u < 4; ++u) s[u] += (static_cast<double>(t + u) + 1.0 - mean) * static_cast<double>(da[pos(t + u)]);
    for (; t < n; ++t) s[0] += (static_cast<double>(t) + 1.0 - mean) * static_cast<double>(da[pos(t)]);
    sab = (s[0] + s[1]) + (s[2] + s[3]);
    return for_each_tie(n, key, [&](int64_t i, int64_t j) {
      const double rank = 0.5 * static_cast<double>(i + 1 + j);
      for (int64_t u = i; u < j; ++u) sab += (rank - static_cast<double>(u + 1)) * static_cast<double>(da[pos(u)]);
      const double len = static_cast<double>(j - i);
      ties_cubed += len * len * len - len;
    });
  });
  if (n - tied < 2) return nan_because(b.abs ? "constant |map b| on the valid region" : "constant map b on the valid region");
  return {clamp1(sab / std::sqrt(first.saa * rank_ss(n, ties_cubed))), nullptr};
}

constexpr int64_t kFloatRanks = int64_t{1} << 24;

}  // namespace

RankSums spearman_first(const Order& a, Scratch& s) {
  return a.n < kFloatRanks ? first_half(a, s.f0) : first_half(a, s.d0);
}

Score spearman_second(const RankSums& first, const Order& b, Scratch& s) {
  return b.n < kFloatRanks ? second_half(first, b, s.f0) : second_half(first, b, s.d0);
}


namespace {

// First index in [lo, hi) where pred turns true (pred false then true along the range), else hi.
template <typename P>
int64_t partition_point(int64_t lo, int64_t hi, P&& pred) {
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    if (pred(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

// Appends the positions at sorted indices [i, j) of o.
void take(const Order& o, int64_t i, int64_t j, std::vector<uint32_t>& out) {
  with_order(o, [&](auto pos, auto) {
    for (int64_t t = i; t < j; ++t) out.push_back(pos(t));
    return 0;
  });
}

// The k entries with the largest values of an order, ties at the k-th value by lower position:
// every run above the run holding sorted index n - k, then that run's first entries (a stable
// order lists a run's positions in ascending order).
void top_of_order(const Order& o, int64_t k, std::vector<uint32_t>& out) {
  const int64_t n = o.n, at = n - k;
  const uint64_t key = o.key_at(at);
  const int64_t lo = partition_point(0, at, [&](int64_t t) { return o.key_at(t) >= key; });
  const int64_t hi = partition_point(at, n, [&](int64_t t) { return o.key_at(t) > key; });
  take(o, hi, n, out);
  take(o, lo, lo + (k - (n - hi)), out);
}

// The k largest |values| of a signed order: they are its lowest l and highest k - l entries, up to
// ties at the k-th largest |value| tau. Reading the negative side A upwards from index 0 and the
// rest B downwards from index n - 1, both list |values| in descending order; the split l is found
// by binary search (the k-th element of two sorted lists), then the entries above tau are taken
// whole and the two runs at tau (x = -tau at the low end, x = tau at the high end) give their
// lowest positions.
void top_abs_of_signed_order(const Order& o, int64_t k, std::vector<uint32_t>& out) {
  const int64_t n = o.n;
  const int64_t na = partition_point(0, n, [&](int64_t t) { return o.value_at(t) >= 0; }), nb = n - na;
  constexpr double inf = std::numeric_limits<double>::infinity();
  auto A = [&](int64_t j) { return j < 0 ? inf : j >= na ? -inf : -o.value_at(j); };
  auto B = [&](int64_t j) { return j < 0 ? inf : j >= nb ? -inf : o.value_at(n - 1 - j); };
  // the smallest l in range with A(l) <= B(k - l - 1): taking more from A would take a smaller one
  const int64_t l = partition_point(std::max<int64_t>(0, k - nb), std::min(k, na), [&](int64_t l) { return A(l) <= B(k - l - 1); });
  const double tau = std::min(A(l - 1), B(k - l - 1));
  const int64_t a_above = partition_point(0, na, [&](int64_t j) { return A(j) <= tau; });
  const int64_t a_at = partition_point(a_above, na, [&](int64_t j) { return A(j) < tau; });
  const int64_t b_above = partition_point(0, nb, [&](int64_t j) { return B(j) <= tau; });
  const int64_t b_at = partition_point(b_above, nb, [&](int64_t j) { return B(j) < tau; });
  take(o, 0, a_above, out);
  take(o, n - b_above, n, out);
  // merge the runs' ascending positions, lowest first: A's run [a_above, a_at), B's [n - b_at, n - b_above)
  int64_t i = a_above, j = n - b_at;
  const int64_t i_end = a_at, j_end = n - b_above;
  for (int64_t q = k - a_above - b_above; q > 0; --q) {
    if (j >= j_end || (i < i_end && o.pos_at(i) < o.pos_at(j))) out.push_back(o.pos_at(i++));
    else out.push_back(o.pos_at(j++));
  }
}

template <typename T>
void top_k_of(const T* x, int64_t n, int64_t k, bool signed_values, const Order* order, Scratch& s, std::vector<uint32_t>& out) {
  out.clear();
  out.reserve(static_cast<size_t>(k));
  if (order && (signed_values ? !order->abs : true)) {
    if (signed_values || order->abs) top_of_order(*order, k, out);
    else top_abs_of_signed_order(*order, k, out);
    return;
  }
  s.u0.resize(static_cast<size_t>(n));
  uint32_t* key = s.u0.data();
  if (float_keys(x, n, !signed_values, key)) {
    const auto [t, above] = kth_largest(key, n, k, s.u1);
    int64_t quota = k - above;  // >= 1: t itself is among the k largest
    for (int64_t i = 0; i < n; ++i)
      if (key[i] > t || (key[i] == t && quota-- > 0)) out.push_back(static_cast<uint32_t>(i));
    return;
  }
  auto& keys = s.d1;
  auto& work = s.d2;
  keys.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) keys[i] = signed_values ? static_cast<double>(x[i]) : std::fabs(static_cast<double>(x[i]));
  work.assign(keys.begin(), keys.end());
  std::nth_element(work.begin(), work.begin() + (k - 1), work.end(), std::greater<double>());
  const double t = work[k - 1];
  int64_t above = 0;
  for (int64_t i = 0; i < n; ++i) above += keys[i] > t;
  int64_t quota = k - above;
  for (int64_t i = 0; i < n; ++i)
    if (keys[i] > t || (keys[i] == t && quota-- > 0)) out.push_back(static_cast<uint32_t>(i));
}

}  // namespace

void top_k(const float* x, int64_t n, int64_t k, bool signed_values, const Order* order, Scratch& s, std::vector<uint32_t>& out) {
  top_k_of(x, n, k, signed_values, order, s, out);
}
void top_k(const double* x, int64_t n, int64_t k, bool signed_values, const Order* order, Scratch& s, std::vector<uint32_t>& out) {
  top_k_of(x, n, k, signed_values, order, s, out);
}

Score jaccard(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b, int64_t n, Scratch& s) {
  s.s0.assign(static_cast<size_t>(n), 0);
  uint8_t* in_a = s.s0.data();
  for (uint32_t p : a) in_a[p] = 1;
  int64_t both = 0;
  for (uint32_t p : b) both += in_a[p];
  const int64_t k = static_cast<int64_t>(a.size());
  return {static_cast<double>(both) / static_cast<double>(2 * k - both), nullptr};
}

namespace {

// The bodies below are templates on the map's element type (float32 maps are read in place,
// reductions over channels are float64), inlined into cloned float and double entry points.
#define FASS_INLINE inline __attribute__((always_inline))

template <typename T>
FASS_INLINE Range range_impl(const T* x, int64_t n) {
  // Four lanes of running min and max (a vector select, so it vectorises without fast-math), and
  // the sum of x * 0, which is NaN as soon as one value is infinite or NaN.
  typedef double v4d __attribute__((vector_size(32)));
  typedef T v4t __attribute__((vector_size(4 * sizeof(T))));
  constexpr double inf = std::numeric_limits<double>::infinity();
  v4d lo = {inf, inf, inf, inf}, hi = {-inf, -inf, -inf, -inf}, z = {0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    v4t raw;
    std::memcpy(&raw, x + i, sizeof raw);
    const v4d v = __builtin_convertvector(raw, v4d);
    lo = v < lo ? v : lo;
    hi = v > hi ? v : hi;
    z += v * 0.0;
  }
  Range r{inf, -inf, true};
  double zs = z[0] + z[1] + z[2] + z[3];
  for (int k = 0; k < 4; ++k) {
    r.min = std::min(r.min, lo[k]);
    r.max = std::max(r.max, hi[k]);
  }
  for (; i < n; ++i) {
    const double v = x[i];
    r.min = std::min(r.min, v);
    r.max = std::max(r.max, v);
    zs += v * 0.0;
  }
  r.finite = zs == 0;
  return r;
}

// Pearson, cosine and L2 accumulate in float64 whatever the maps' type.
template <typename T>
Score pearson_impl(const T* a, const T* b, int64_t n) {
  double amin = a[0], amax = a[0], bmin = b[0], bmax = b[0], sa = 0, sb = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double x = a[i], y = b[i];
    amin = std::min(amin, x);
    amax = std::max(amax, x);
    bmin = std::min(bmin, y);
    bmax = std::max(bmax, y);
    sa += x;
    sb += y;
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

template <typename T>
Score cosine_impl(const T* a, const T* b, int64_t n) {
  double ab = 0, aa = 0, bb = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double x = a[i], y = b[i];
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  if (aa == 0) return nan_because("map a is zero on the valid region");
  if (bb == 0) return nan_because("map b is zero on the valid region");
  return {clamp1(ab / (std::sqrt(aa) * std::sqrt(bb))), nullptr};
}

template <typename T>
Score l2_impl(const T* a, const T* b, int64_t n) {
  double dd = 0, aa = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double x = a[i], y = b[i], d = x - y;
    dd += d * d;
    aa += x * x;
  }
  if (aa == 0) return nan_because("map a is zero on the valid region (l2 divides by ||a||)");
  return {std::sqrt(dd) / std::sqrt(aa), nullptr};
}

static_assert(kRadius == 5, "the SSIM filters below are unrolled for 11 taps");

// Output columns per strip: a strip's ring of filtered rows (11 rows x 4 quantities x 64 doubles,
// 22 KB; 28 KB with a mask's fifth) stays in L1 while every output row reads it 11 times, where
// whole 214-column rows (75 KB) were read from L2 (strips made SSIM 13% faster here).
constexpr int64_t kStrip = 64;

template <typename T>
FASS_INLINE Score ssim_impl(const T* a, const T* b, const uint8_t* valid, int64_t h, int64_t w, Range ra, Range rb, bool gaussian, Scratch& s) {
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
  const double w0 = wt[5], w1 = wt[6], w2 = wt[7], w3 = wt[8], w4 = wt[9], w5 = wt[10];
  // Min-max scaling over the valid region, (x - min) / (max - min) as the reference computes it
  // but by a multiplication with the reciprocal (within an ulp of the quotient; two divisions per
  // pixel were a tenth of SSIM's time); a constant map scales to zeros (x - min is 0 on the valid
  // region), outside it is zero.
  const double amin = ra.min, bmin = rb.min;
  const double ascale = ra.max > ra.min ? 1.0 / (ra.max - ra.min) : 1.0, bscale = rb.max > rb.min ? 1.0 / (rb.max - rb.min) : 1.0;
  // Output positions: skimage's crop for the Gaussian window (whose windows then never leave the
  // frame), every position for the uniform one (zero padding).
  const int64_t y0 = gaussian ? r : 0, y1 = gaussian ? h - r : h;
  const int64_t x0 = gaussian ? r : 0, x1 = gaussian ? w - r : w;
  if (y1 <= y0 || x1 <= x0) return nan_because("maps smaller than the 11 x 11 SSIM window");
  // Filtered quantities: a, b, a^2 + b^2, ab, and with a mask the invalid indicator. The output is
  // computed in strips of columns; in a strip, rows are filtered along x into a ring of 11 rows
  // per quantity, and each output row is filtered along y from the ring as soon as its window is
  // complete.
  const int nq = valid ? 5 : 4;
  constexpr int64_t sw = kStrip + 2 * r;  // input columns of a strip
  s.d0.resize(static_cast<size_t>(nq * sw));            // one input row segment per quantity
  s.d1.resize(static_cast<size_t>(nq * kWindow * kStrip));  // ring: quantity q, slot t at (q * 11 + t) * kStrip
  s.d2.resize(static_cast<size_t>(nq * kStrip + kStrip));   // one row filtered along both axes, its local SSIM
  double* rows = s.d0.data();
  double* ring = s.d1.data();
  double* acc = s.d2.data();
  double* sv = acc + nq * kStrip;
  double total[4] = {0, 0, 0, 0};  // by column mod 4 (vectorises), summed in that order at the end
  int64_t count = 0;
  for (int64_t xs = x0; xs < x1; xs += kStrip) {
    const int64_t wo = std::min(kStrip, x1 - xs);  // output columns [xs, xs + wo)
    // Input columns [xs - r, xs + wo + r), zero outside the frame: [c0, c1) are inside.
    const int64_t c0 = std::max<int64_t>(0, xs - r), c1 = std::min(w, xs + wo + r);
    std::fill(rows, rows + nq * sw, 0.0);
    // yy: the row entering the ring (rows outside the frame are zero rows: zero padding).
    for (int64_t yy = y0 - r; yy < y1 + r; ++yy) {
      const int slot = static_cast<int>(((yy % kWindow) + kWindow) % kWindow);
      if (yy < 0 || yy >= h) {
        for (int q = 0; q < nq; ++q) std::fill(ring + (q * kWindow + slot) * kStrip, ring + (q * kWindow + slot + 1) * kStrip, 0.0);
      } else {
        const int64_t off = c0 - (xs - r);  // where column c0 sits in the segment
        const T* __restrict ay = a + yy * w + c0;
        const T* __restrict by = b + yy * w + c0;
        double* __restrict r0 = rows;
        double* __restrict r1 = rows + sw;
        const int64_t m = c1 - c0;
        if (valid) {
          double* __restrict r4 = rows + 4 * sw + off;
          const uint8_t* __restrict vy = valid + yy * w + c0;
#pragma GCC ivdep
          for (int64_t x = 0; x < m; ++x) {
            const bool in = vy[x] != 0;
            r0[off + x] = in ? (ay[x] - amin) * ascale : 0.0;
            r1[off + x] = in ? (by[x] - bmin) * bscale : 0.0;
            r4[x] = in ? 0.0 : 1.0;
          }
        } else {
#pragma GCC ivdep
          for (int64_t x = 0; x < m; ++x) {
            r0[off + x] = (ay[x] - amin) * ascale;
            r1[off + x] = (by[x] - bmin) * bscale;
          }
        }
        // The products from the segment, not from the map: this loop's split into vector body and
        // scalar remainder (where a * a + b * b may contract into an FMA differently) is then the
        // same for every pair, wherever the map sits in its batch.
        double* __restrict r2 = rows + 2 * sw;
        double* __restrict r3 = rows + 3 * sw;
#pragma GCC ivdep
        for (int64_t x = 0; x < sw; ++x) {
          r2[x] = r0[x] * r0[x] + r1[x] * r1[x];
          r3[x] = r0[x] * r1[x];
        }
        for (int q = 0; q < nq; ++q) {
          const double* __restrict in = rows + q * sw;  // in[xo + 5] is the centre of output xs + xo
          double* __restrict out = ring + (q * kWindow + slot) * kStrip;
#pragma GCC ivdep
          for (int64_t xo = 0; xo < wo; ++xo)
            out[xo] = w0 * in[xo + 5] + w1 * (in[xo + 4] + in[xo + 6]) + w2 * (in[xo + 3] + in[xo + 7]) +
                      w3 * (in[xo + 2] + in[xo + 8]) + w4 * (in[xo + 1] + in[xo + 9]) + w5 * (in[xo] + in[xo + 10]);
        }
      }
      const int64_t y = yy - r;  // the output row whose window is now complete
      if (y < y0) continue;
      // Rows y-5 .. y+5 of each quantity, filtered along y (one pass per quantity, the 11 taps
      // unrolled), then the row's local SSIM (branch-free; both loops vectorise).
      for (int q = 0; q < nq; ++q) {
        const double* base = ring + q * kWindow * kStrip;
        const double* __restrict p[kWindow];
        for (int t = 0; t < kWindow; ++t) p[t] = base + (((y - r + t) % kWindow + kWindow) % kWindow) * kStrip;
        const double *__restrict p0 = p[0], *__restrict p1 = p[1], *__restrict p2 = p[2], *__restrict p3 = p[3];
        const double *__restrict p4 = p[4], *__restrict p5 = p[5], *__restrict p6 = p[6], *__restrict p7 = p[7];
        const double *__restrict p8 = p[8], *__restrict p9 = p[9], *__restrict p10 = p[10];
        double* __restrict o = acc + q * kStrip;
#pragma GCC ivdep
        for (int64_t xo = 0; xo < wo; ++xo)
          o[xo] = w0 * p5[xo] + w1 * (p4[xo] + p6[xo]) + w2 * (p3[xo] + p7[xo]) + w3 * (p2[xo] + p8[xo]) +
                  w4 * (p1[xo] + p9[xo]) + w5 * (p0[xo] + p10[xo]);
      }
      double *__restrict f0 = acc, *__restrict f1 = acc + kStrip, *__restrict f2 = acc + 2 * kStrip, *__restrict f3 = acc + 3 * kStrip;
      if (valid) {  // weighted means over the window's valid pixels: divide by their weight
        const double* __restrict f4 = acc + 4 * kStrip;
#pragma GCC ivdep
        for (int64_t xo = 0; xo < wo; ++xo) {
          const double inv = 1.0 / (1.0 - f4[xo]);
          f0[xo] *= inv;
          f1[xo] *= inv;
          f2[xo] *= inv;
          f3[xo] *= inv;
        }
      }
      // One formula loop with and without a mask, so that an all-valid mask gives the unmasked
      // score to the last bit (the two loops contracted their FMAs differently).
      double* __restrict out = sv;
#pragma GCC ivdep
      for (int64_t xo = 0; xo < wo; ++xo) {
        const double ux = f0[xo], uy = f1[xo], uss = f2[xo], uxy = f3[xo];
        const double pxy = ux * uy, sq = ux * ux + uy * uy;
        out[xo] = ((2 * pxy + C1) * (2 * (uxy - pxy) + C2)) / ((sq + C1) * (uss - sq + C2));
      }
      if (valid) {
        const uint8_t* __restrict vy = valid + y * w + xs;
        for (int64_t xo = 0; xo < wo; ++xo) {
          out[xo] = vy[xo] ? out[xo] : 0.0;  // a select: an invalid window's NaN does not reach the sum
          count += vy[xo] != 0;
        }
      } else {
        count += wo;
      }
      int64_t xo = 0;
      for (; xo + 4 <= wo; xo += 4)
        for (int u = 0; u < 4; ++u) total[u] += out[xo + u];
      for (; xo < wo; ++xo) total[xo % 4] += out[xo];
    }
  }
  if (count == 0) return nan_because("no valid pixel inside the SSIM border (5 px)");
  return {((total[0] + total[1]) + (total[2] + total[3])) / static_cast<double>(count), nullptr};
}

}  // namespace

FASS_SIMD_CLONES
Range range_of(const float* x, int64_t n) { return range_impl(x, n); }
FASS_SIMD_CLONES
Range range_of(const double* x, int64_t n) { return range_impl(x, n); }

FASS_SIMD_CLONES
Score ssim(const float* a, const float* b, const uint8_t* valid, int64_t h, int64_t w, Range ra, Range rb, bool gaussian, Scratch& s) {
  return ssim_impl(a, b, valid, h, w, ra, rb, gaussian, s);
}
FASS_SIMD_CLONES
Score ssim(const double* a, const double* b, const uint8_t* valid, int64_t h, int64_t w, Range ra, Range rb, bool gaussian, Scratch& s) {
  return ssim_impl(a, b, valid, h, w, ra, rb, gaussian, s);
}

Score pearson(const float* a, const float* b, int64_t n) { return pearson_impl(a, b, n); }
Score pearson(const double* a, const double* b, int64_t n) { return pearson_impl(a, b, n); }
Score cosine(const float* a, const float* b, int64_t n) { return cosine_impl(a, b, n); }
Score cosine(const double* a, const double* b, int64_t n) { return cosine_impl(a, b, n); }
Score l2(const float* a, const float* b, int64_t n) { return l2_impl(a, b, n); }
Score l2(const double* a, const double* b, int64_t n) { return l2_impl(a, b, n); }

}  // namespace fass::similarity::kernels
