#include "metrics/faithfulness.h"
#include "errors.h"
#include "filters.h"

namespace fass::faithfulness {

Kind parse_kind(const std::string& name) {
  if (name == "deletion") return Kind::Deletion;
  if (name == "insertion") return Kind::Insertion;
  throw UserError("faithfulness metric '" + name + "': expected deletion or insertion");
}

torch::Tensor reduce_channels(const torch::Tensor& maps, const std::string& how) {
  TORCH_CHECK(maps.dim() == 4, "reduce_channels expects (N,C,H,W)");
  const auto m = maps.to(torch::kFloat64);
  if (how == "sum") return m.sum(1);
  if (how == "abs-sum") return m.abs().sum(1);
  if (how == "mean") return m.mean(1);
  if (how == "l2") return (m * m).sum(1).sqrt();
  throw UserError("reduce '" + how + "': deletion and insertion order pixels, so expected sum, abs-sum, mean or l2");
}

torch::Tensor pixel_ranks(const torch::Tensor& scores) {
  const int64_t N = scores.size(0);
  const auto s = scores.reshape({N, -1}).to(torch::kCPU, torch::kFloat64);
  // Stable descending sort: equal scores keep index order. rank[order[j]] = j.
  const auto order = std::get<1>(s.sort(/*stable=*/true, /*dim=*/1, /*descending=*/true));
  auto ranks = torch::empty_like(order);
  ranks.scatter_(1, order, torch::arange(s.size(1), torch::kInt64).expand({N, s.size(1)}).contiguous());
  return ranks.view(scores.sizes());
}

torch::Tensor step_images(const torch::Tensor& x, const torch::Tensor& start, const torch::Tensor& ranks,
                          const torch::Tensor& rows, int64_t step, Kind kind) {
  const auto sample = rows.select(1, 0).to(x.device()), k = rows.select(1, 1).to(x.device());
  // changed: the pixels already removed (deletion) or revealed (insertion) at step k, (R,1,H,W)
  const auto changed = (ranks.to(x.device()).index_select(0, sample) < (k * step).view({-1, 1, 1})).unsqueeze(1);
  const auto xs = x.index_select(0, sample);
  if (kind == Kind::Deletion) return xs.masked_fill(changed, 0);
  return torch::where(changed, xs, start.index_select(0, sample));
}

torch::Tensor auc(const torch::Tensor& probs, int64_t step, int64_t pixels) {
  const int64_t K = probs.size(1) - 1;
  auto f = (torch::arange(K + 1, torch::kFloat64) * static_cast<double>(step)).clamp_max(static_cast<double>(pixels)) /
           static_cast<double>(pixels);
  const auto p = probs.to(torch::kCPU, torch::kFloat64);
  const auto widths = f.slice(0, 1) - f.slice(0, 0, K);
  return ((p.slice(1, 1) + p.slice(1, 0, K)) * 0.5 * widths).sum(1);
}

Curves curves(ScriptModel& model, const torch::Tensor& x, const torch::Tensor& scores, const torch::Tensor& targets,
              const Options& o) {
  TORCH_CHECK(x.dim() == 4, "curves: x must be (N,C,H,W)");
  const int64_t N = x.size(0), H = x.size(2), W = x.size(3), P = H * W;
  if (scores.dim() != 3 || scores.size(0) != N || scores.size(1) != H || scores.size(2) != W)
    throw ShapeError("deletion/insertion: the reduced maps must be (N,H,W) like the images", {N, H, W}, scores.sizes().vec());
  const int64_t step = o.step > 0 ? o.step : H;
  const int64_t K = (P + step - 1) / step;
  const auto xf = x.to(torch::kCPU, torch::kFloat32).contiguous();
  const auto start = o.kind == Kind::Insertion ? gaussian_blur(xf, o.blur_sigma, o.blur_kernel) : torch::Tensor();
  const auto ranks = pixel_ranks(scores);
  const auto t = targets.to(torch::kCPU, torch::kInt64);
  const int64_t total = N * (K + 1);
  const int64_t per_call = o.rows_per_call > 0 ? o.rows_per_call : std::max<int64_t>(1, (int64_t{1} << 24) / (x.numel() / std::max<int64_t>(N, 1)));
  auto probs = torch::empty({total}, torch::kFloat64);
  Curves c;
  for (int64_t b = 0; b < total; b += per_call) {
    const int64_t e = std::min(total, b + per_call);
    const auto r = torch::arange(b, e, torch::kInt64);
    const auto rows = torch::stack({r.div(K + 1, "floor"), r.remainder(K + 1)}, 1);
    const auto imgs = step_images(xf, start, ranks, rows, step, o.kind);
    const auto logits = model.predict(imgs).to(torch::kFloat64);
    const auto p = logits.softmax(1).gather(1, t.index_select(0, rows.select(1, 0)).view({-1, 1})).view({-1});
    probs.slice(0, b, e).copy_(p);
    c.forward += e - b;
  }
  c.probs = probs.view({N, K + 1});
  c.auc = auc(c.probs, step, P);
  return c;
}

}  // namespace fass::faithfulness
