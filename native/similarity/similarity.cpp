#include "similarity.h"

#include <ATen/Parallel.h>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <exception>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>
#include <type_traits>

#include "errors.h"
#include "kernels.h"

namespace fass::similarity {

namespace {

namespace K = kernels;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<int64_t> dims(const torch::Tensor& t) { return t.sizes().vec(); }

// One computation a pair needs; metrics that share one (fass and ssim, say) share its result.
struct Part {
  enum Kind { Ssim, Spearman, Topk, Pearson, Cosine, L2 } kind;
  bool flag = false;  // Ssim: gaussian; Spearman: abs; Topk: signed
  double frac = 0;
  int64_t k = 0;
  bool operator==(const Part& o) const { return kind == o.kind && flag == o.flag && frac == o.frac && k == o.k; }
};

const char* part_name(Part::Kind k) {
  switch (k) {
    case Part::Ssim: return "ssim";
    case Part::Spearman: return "spearman";
    case Part::Topk: return "topk_jaccard";
    case Part::Pearson: return "pearson";
    case Part::Cosine: return "cosine";
    case Part::L2: return "l2";
  }
  return "?";
}

// What each requested metric reads: one part, or three for fass (ssim, spearman, topk).
struct Plan {
  std::vector<Part> parts;
  std::vector<std::vector<size_t>> uses;  // per metric, indices into parts

  size_t add(const Part& p) {
    for (size_t i = 0; i < parts.size(); ++i)
      if (parts[i] == p) return i;
    parts.push_back(p);
    return parts.size() - 1;
  }
};

Plan plan_of(const std::vector<Metric>& metrics) {
  Plan plan;
  for (const auto& m : metrics) {
    const Part ssim{Part::Ssim, m.window == Window::Gaussian};
    const Part spear{Part::Spearman, m.abs};
    const Part topk{Part::Topk, m.signed_topk, m.k > 0 ? 0.0 : m.frac, m.k};
    std::vector<size_t> use;
    if (m.name == "ssim") use = {plan.add(ssim)};
    else if (m.name == "spearman") use = {plan.add(spear)};
    else if (m.name == "topk_jaccard") use = {plan.add(topk)};
    else if (m.name == "pearson") use = {plan.add({Part::Pearson})};
    else if (m.name == "cosine") use = {plan.add({Part::Cosine})};
    else if (m.name == "l2") use = {plan.add({Part::L2})};
    else use = {plan.add(ssim), plan.add(spear), plan.add(topk)};  // fass
    plan.uses.push_back(use);
  }
  return plan;
}

// A pair's valid values (compacted), of the maps' element type.
template <typename T>
struct Valid {
  std::vector<T> a, b;
};

// Per-thread buffers: the pair's reduced maps and mask, its valid values, the sorted orders its
// rank metrics share, top-k positions.
struct PairScratch {
  K::Scratch k;
  std::vector<double> fa, fb;
  Valid<float> valid32;
  Valid<double> valid64;
  std::vector<uint8_t> mask;
  K::SortBuffers sorted;
  std::vector<std::vector<uint32_t>> tops;  // map a's top-k positions, per part
  std::vector<uint32_t> top_b;

  template <typename T>
  Valid<T>& valid() {
    if constexpr (std::is_same_v<T, float>) return valid32;
    else return valid64;
  }
};

// Scratch buffers outlive the threads of one call: a lease takes a set from a process-wide pool
// (or makes one) and gives it back, so their pages are touched once, not on every call.
class ScratchLease {
 public:
  ScratchLease() {
    std::lock_guard<std::mutex> lock(mutex());
    auto& pool = free_list();
    if (!pool.empty()) {
      s_ = std::move(pool.back());
      pool.pop_back();
    }
    if (!s_) s_ = std::make_unique<PairScratch>();
  }
  ~ScratchLease() {
    std::lock_guard<std::mutex> lock(mutex());
    free_list().push_back(std::move(s_));
  }
  PairScratch& operator*() { return *s_; }

 private:
  static std::mutex& mutex() {
    static std::mutex m;
    return m;
  }
  static std::vector<std::unique_ptr<PairScratch>>& free_list() {
    static std::vector<std::unique_ptr<PairScratch>> pool;
    return pool;
  }
  std::unique_ptr<PairScratch> s_;
};

int64_t topk_count(const Part& p, int64_t n) {
  const int64_t k = p.k > 0 ? p.k : static_cast<int64_t>(std::floor(p.frac * static_cast<double>(n)));
  return std::max<int64_t>(1, std::min(k, n));
}

// One pair's (C,H,W) maps reduced over C (SPEC.md section 1) into an (H,W) float64 map.
template <typename T>
void reduce_pair(const T* x, int64_t c, int64_t hw, Reduce r, std::vector<double>& out) {
  out.assign(static_cast<size_t>(hw), 0.0);
  double* o = out.data();
  for (int64_t k = 0; k < c; ++k) {
    const T* xk = x + k * hw;
    switch (r) {
      case Reduce::AbsSum: for (int64_t i = 0; i < hw; ++i) o[i] += std::fabs(static_cast<double>(xk[i])); break;
      case Reduce::L2: for (int64_t i = 0; i < hw; ++i) o[i] += static_cast<double>(xk[i]) * static_cast<double>(xk[i]); break;
      default: for (int64_t i = 0; i < hw; ++i) o[i] += static_cast<double>(xk[i]); break;
    }
  }
  if (r == Reduce::Mean) for (int64_t i = 0; i < hw; ++i) o[i] /= static_cast<double>(c);
  if (r == Reduce::L2) for (int64_t i = 0; i < hw; ++i) o[i] = std::sqrt(o[i]);
}

// Where a pair's data lives: contiguous CPU tensors of the inputs (float32 or float64) and the
// mask as bytes, (N, cm, H, W) with cm 1 or C.
struct Source {
  torch::Tensor a, b, mask;
  int64_t c, h, w, cm;
  Reduce reduce;
  int64_t rows() const { return reduce == Reduce::None ? c * h : h; }
};

template <typename T>
void score_maps(const T* a, const T* b, const uint8_t* v, int64_t h, int64_t w, const std::vector<Part>& parts, K::Score* out, PairScratch& s);

// Scores pair i for every part. Maps that need no channel reduction are scored where they are
// (float32 or float64); others are reduced into float64 first.
void score_pair(const Source& src, int64_t i, const std::vector<Part>& parts, K::Score* out, PairScratch& s) {
  const int64_t c = src.c, hw0 = src.h * src.w, h = src.rows(), w = src.w, hw = h * w;
  const uint8_t* v = nullptr;
  if (src.mask.defined()) {
    const uint8_t* m = src.mask.data_ptr<uint8_t>() + i * src.cm * hw0;
    if (src.cm == 1 && h != src.h) {  // one (H,W) mask for every channel stacked as rows
      s.mask.resize(static_cast<size_t>(hw));
      for (int64_t k = 0; k < c; ++k) std::copy(m, m + hw0, s.mask.begin() + k * hw0);
      v = s.mask.data();
    } else {
      v = m;
    }
  }
  auto score = [&](const auto* a, const auto* b) {
    if (c == 1 || src.reduce == Reduce::None) return score_maps(a, b, v, h, w, parts, out, s);
    reduce_pair(a, c, hw0, src.reduce, s.fa);
    reduce_pair(b, c, hw0, src.reduce, s.fb);
    score_maps(s.fa.data(), s.fb.data(), v, h, w, parts, out, s);
  };
  const int64_t at = i * c * hw0;
  if (src.a.scalar_type() == torch::kFloat64) score(src.a.data_ptr<double>() + at, src.b.data_ptr<double>() + at);
  else score(src.a.data_ptr<float>() + at, src.b.data_ptr<float>() + at);
}

// Scores one pair of (h, w) maps over the valid mask v (nullptr: all valid).
template <typename T>
void score_maps(const T* a, const T* b, const uint8_t* v, int64_t h, int64_t w, const std::vector<Part>& parts, K::Score* out, PairScratch& s) {
  const int64_t hw = h * w;
  // The valid values (the maps themselves when there is no mask), finiteness, ranges.
  const T *va = a, *vb = b;
  int64_t n = hw;
  if (v) {
    Valid<T>& buf = s.valid<T>();
    buf.a.resize(static_cast<size_t>(hw));
    buf.b.resize(static_cast<size_t>(hw));
    n = 0;
    for (int64_t j = 0; j < hw; ++j) {
      if (!v[j]) continue;
      buf.a[n] = a[j];
      buf.b[n] = b[j];
      ++n;
    }
    va = buf.a.data();
    vb = buf.b.data();
  }
  const char* bad = nullptr;
  K::Range ra{0, 0, true}, rb{0, 0, true};
  if (n == 0) {
    bad = "empty valid region";
  } else {
    ra = K::range_of(va, n);
    rb = K::range_of(vb, n);
    if (!ra.finite) bad = "non-finite values in map a on the valid region";
    else if (!rb.finite) bad = "non-finite values in map b on the valid region";
  }
  if (bad) {
    for (size_t p = 0; p < parts.size(); ++p) out[p] = {kNaN, bad};
    return;
  }
  // SSIM first, while the maps range_of just read are still in cache (the sorts' buffers evict
  // them).
  for (size_t p = 0; p < parts.size(); ++p)
    if (parts[p].kind == Part::Ssim) out[p] = K::ssim(a, b, v, h, w, ra, rb, parts[p].flag, s.k);
  // Rank metrics share sorted orders (of the values, or of |values|): a Spearman part needs both
  // maps' orders, a top-k part reads its head from one when there is one (signed top-k from the
  // signed order; |value| top-k from the |value| order, else from the signed one) and otherwise
  // selects in linear time. Each order kind is computed for a, used, then for b in the same
  // buffers, so one pair's working set stays small.
  bool need[2] = {false, false};
  for (const Part& part : parts)
    if (part.kind == Part::Spearman) need[part.flag] = true;
  auto order_of = [&](const Part& part) { return part.flag ? (need[0] ? 0 : -1) : (need[1] ? 1 : need[0] ? 0 : -1); };
  s.tops.resize(parts.size());
  for (int kind = 0; kind < 2; ++kind) {
    bool any = need[kind];
    for (const Part& part : parts) any |= part.kind == Part::Topk && order_of(part) == kind;
    if (!any) continue;
    const K::Order oa = K::sort_values(va, n, kind != 0, s.sorted);
    K::RankSums first{};
    if (need[kind]) first = K::spearman_first(oa, s.k);
    for (size_t p = 0; p < parts.size(); ++p)
      if (parts[p].kind == Part::Topk && order_of(parts[p]) == kind)
        K::top_k(va, n, topk_count(parts[p], n), parts[p].flag, &oa, s.k, s.tops[p]);
    const K::Order ob = K::sort_values(vb, n, kind != 0, s.sorted);
    for (size_t p = 0; p < parts.size(); ++p) {
      if (parts[p].kind == Part::Spearman && parts[p].flag == (kind != 0)) out[p] = K::spearman_second(first, ob, s.k);
      if (parts[p].kind == Part::Topk && order_of(parts[p]) == kind) {
        K::top_k(vb, n, topk_count(parts[p], n), parts[p].flag, &ob, s.k, s.top_b);
        out[p] = K::jaccard(s.tops[p], s.top_b, n, s.k);
      }
    }
  }
  for (size_t p = 0; p < parts.size(); ++p) {
    const Part& part = parts[p];
    switch (part.kind) {
      case Part::Ssim: break;  // above
      case Part::Topk:
        if (order_of(part) < 0) {
          const int64_t k = topk_count(part, n);
          K::top_k(va, n, k, part.flag, nullptr, s.k, s.tops[p]);
          K::top_k(vb, n, k, part.flag, nullptr, s.k, s.top_b);
          out[p] = K::jaccard(s.tops[p], s.top_b, n, s.k);
        }
        break;
      case Part::Pearson: out[p] = K::pearson(va, vb, n); break;
      case Part::Cosine: out[p] = K::cosine(va, vb, n); break;
      case Part::L2: out[p] = K::l2(va, vb, n); break;
      case Part::Spearman: break;  // above
    }
  }
}

// Runs work(next) on LibTorch's intra-op thread count (which the bindings set per call), where
// next() hands out the pairs 0 .. n-1 one at a time, then n: each thread takes the next pair as it
// finishes its last, so that a core running slower for a while on a shared machine does not leave
// the other idle at the end, as fixed halves would. Plain std::threads: at::parallel_for would run
// serially here, since its OpenMP pragmas are compiled into the caller and the engine is not built
// with -fopenmp.
template <typename Work>
void parallel_pairs(int64_t n, Work&& work) {
  std::atomic<int64_t> counter{0};
  auto next = [&] { return std::min(n, counter.fetch_add(1, std::memory_order_relaxed)); };
  const int64_t threads = std::min<int64_t>(std::max(1, at::get_num_threads()), n);
  if (threads <= 1) {
    work(next);
    return;
  }
  std::vector<std::thread> pool;
  std::vector<std::exception_ptr> errors(static_cast<size_t>(threads));
  for (int64_t t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      try {
        work(next);
      } catch (...) {
        errors[t] = std::current_exception();
        counter = n;  // the others stop after their current pair
      }
    });
  }
  for (auto& th : pool) th.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace

Reduce parse_reduce(const std::string& name) {
  if (name == "sum") return Reduce::Sum;
  if (name == "abs-sum") return Reduce::AbsSum;
  if (name == "mean") return Reduce::Mean;
  if (name == "l2") return Reduce::L2;
  if (name == "none") return Reduce::None;
  throw UserError("channel reduction '" + name + "' is not known: expected sum, abs-sum, mean, l2 or none");
}

Metric checked(Metric m) {
  static const char* known[] = {"ssim", "spearman", "topk_jaccard", "pearson", "cosine", "l2", "fass"};
  bool ok = false;
  for (const char* k : known) ok |= m.name == k;
  if (!ok) throw UserError("similarity metric '" + m.name + "' is not known: expected ssim, spearman, topk_jaccard, pearson, cosine, l2 or fass");
  if (m.key.empty()) m.key = m.name;
  if (!(m.frac > 0 && m.frac <= 1)) {
    std::ostringstream s;
    s << "metric " << m.key << ": frac " << m.frac << " must be in (0, 1]";
    throw UserError(s.str());
  }
  if (m.k < 0) throw UserError("metric " + m.key + ": k " + std::to_string(m.k) + " must be >= 1 (or 0 for frac)");
  return m;
}

std::vector<Scores> compare(const torch::Tensor& a_in, const torch::Tensor& b_in, const torch::Tensor& mask,
                            const std::vector<Metric>& metrics_in, Reduce reduce) {
  if (!a_in.defined() || !b_in.defined()) throw UserError("similarity needs two stacks of maps");
  if (a_in.dim() != 3 && a_in.dim() != 4)
    throw ShapeError("maps must be (N,C,H,W) or (N,H,W); map a is " + shape_str(dims(a_in)), {-1, -1, -1, -1}, dims(a_in));
  if (a_in.sizes() != b_in.sizes())
    throw ShapeError("maps a and b differ in shape: a " + shape_str(dims(a_in)) + ", b " + shape_str(dims(b_in)), dims(a_in), dims(b_in));
  if (!a_in.is_floating_point() || !b_in.is_floating_point())
    throw UserError(std::string("maps must be floating point, got ") + c10::toString(a_in.scalar_type()) + " and " + c10::toString(b_in.scalar_type()));
  const int64_t n = a_in.size(0), c = a_in.dim() == 4 ? a_in.size(1) : 1, h = a_in.size(-2), w = a_in.size(-1);
  if (mask.defined()) {
    const auto md = dims(mask);
    const bool same_hw = mask.dim() >= 3 && mask.size(-2) == h && mask.size(-1) == w && mask.size(0) == n;
    const bool ok = same_hw && (mask.dim() == 3 || (mask.dim() == 4 && (mask.size(1) == 1 || (mask.size(1) == c && reduce == Reduce::None))));
    if (!ok) {
      const std::string want = reduce == Reduce::None && c > 1 ? "(N,H,W), (N,1,H,W) or (N,C,H,W)" : "(N,H,W) or (N,1,H,W)";
      throw ShapeError("the valid mask must be " + want + " for maps of shape " + shape_str(dims(a_in)) + ", got " + shape_str(md),
                       {n, h, w}, md);
    }
  }
  std::vector<Metric> metrics;
  for (const auto& m : metrics_in) {
    metrics.push_back(checked(m));
    for (size_t i = 0; i + 1 < metrics.size(); ++i)
      if (metrics[i].key == metrics.back().key) throw UserError("similarity metric '" + metrics.back().key + "' is named twice");
  }
  const int64_t rows = reduce == Reduce::None ? c * h : h;  // height of the reduced maps
  for (const auto& m : metrics) {
    if ((m.name == "ssim" || m.name == "fass") && m.window == Window::Gaussian && (rows < K::kWindow || w < K::kWindow))
      throw ShapeError("metric " + m.key + ": the Gaussian SSIM window is 11 x 11, the maps are " + std::to_string(rows) + " x " + std::to_string(w),
                       {-1, K::kWindow, K::kWindow}, {n, rows, w});
  }

  const Plan plan = plan_of(metrics);
  const size_t np = plan.parts.size();
  std::vector<K::Score> scores(static_cast<size_t>(n) * np, K::Score{kNaN, nullptr});
  // Inputs stay as they are (float32 or float64, on the CPU); each pair is reduced and converted
  // to float64 in its thread's scratch.
  Source src;
  auto cpu = [](const torch::Tensor& t) {
    auto x = t.to(torch::kCPU);
    if (x.scalar_type() != torch::kFloat32 && x.scalar_type() != torch::kFloat64) x = x.to(torch::kFloat64);
    return x.contiguous();
  };
  src.a = cpu(a_in);
  src.b = cpu(b_in);
  if (src.a.scalar_type() != src.b.scalar_type()) {
    src.a = src.a.to(torch::kFloat64);
    src.b = src.b.to(torch::kFloat64);
  }
  src.c = c;
  src.h = h;
  src.w = w;
  src.reduce = reduce;
  src.cm = 1;
  if (mask.defined()) {
    src.mask = (mask.to(torch::kCPU) != 0).to(torch::kUInt8).contiguous();
    src.cm = mask.dim() == 4 ? mask.size(1) : 1;
  }
  parallel_pairs(n, [&](auto& next) {
    ScratchLease s;
    for (int64_t i; (i = next()) < n;) score_pair(src, i, plan.parts, scores.data() + i * np, *s);
  });

  std::vector<Scores> result;
  for (size_t mi = 0; mi < metrics.size(); ++mi) {
    const auto& use = plan.uses[mi];
    Scores r;
    r.key = metrics[mi].key;
    r.values.resize(static_cast<size_t>(n));
    r.reasons.resize(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      const K::Score* s = scores.data() + i * np;
      if (use.size() == 1) {
        r.values[i] = s[use[0]].value;
        if (s[use[0]].reason) r.reasons[i] = s[use[0]].reason;
        continue;
      }
      // fass = (ssim + (spearman + 1) / 2 + topk_jaccard) / 3; NaN with the first part's reason.
      const K::Score &ss = s[use[0]], &sp = s[use[1]], &tk = s[use[2]];
      const K::Score* why = ss.reason ? &ss : sp.reason ? &sp : tk.reason ? &tk : nullptr;
      if (why) {
        r.values[i] = kNaN;
        const size_t which = why == &ss ? use[0] : why == &sp ? use[1] : use[2];
        r.reasons[i] = std::string(part_name(plan.parts[which].kind)) + ": " + why->reason;
      } else {
        r.values[i] = (ss.value + (sp.value + 1) / 2 + tk.value) / 3;
      }
    }
    result.push_back(std::move(r));
  }
  return result;
}

}  // namespace fass::similarity
