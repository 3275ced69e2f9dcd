#include "gradients.h"
#include "engine.h"
#include "errors.h"

#include <algorithm>


namespace fass {


int64_t default_internal_batch(ScriptModel& model, const torch::Tensor& x) {
  const int64_t budget = model.rows_in_budget(x, /*with_grad=*/true);
  if (model.device().is_cpu()) {
    // Whole fixed-size calls: a chunk of fewer rows would be padded to one call anyway.
    const int64_t k = std::max<int64_t>(1, model.kernel_batch(x));
    return k * std::clamp<int64_t>(budget / k, 1, 4);
  }
  const int64_t per_row = std::max<int64_t>(1, x.numel() / std::max<int64_t>(1, x.size(0)));
  return std::min(std::max<int64_t>(1, (int64_t{1} << 26) / per_row), budget);
}

GradientRunner::~GradientRunner() { release_free_memory(); }

void GradientRunner::for_chunks(int64_t rows, const std::function<void(int64_t, int64_t)>& work) {
  int64_t chunk = internal_batch_ > 0 ? std::min(internal_batch_, rows) : rows;
  for (int64_t begin = 0; begin < rows;) {
    const int64_t end = std::min(rows, begin + chunk);
    try {
      work(begin, end);
      begin = end;
    } catch (const std::exception& e) {
      if (!is_out_of_memory(e) || chunk == 1) throw;
      chunk = std::max<int64_t>(1, chunk / 2);  // halve and retry the same rows
      internal_batch_ = chunk;
    }
  }
}

torch::Tensor GradientRunner::grads(int64_t rows, const std::function<torch::Tensor(int64_t, int64_t)>& make,
                                    const torch::Tensor& targets, torch::Tensor* outputs) {
  torch::Tensor out, fout;
  const auto t_dev = targets.to(model_.device(), torch::kInt64);
  if (outputs) fout = torch::empty({rows}, torch::TensorOptions().device(model_.device()));
  for_chunks(rows, [&](int64_t begin, int64_t end) {
    torch::AutoGradMode grad_on(true);
    auto x = make(begin, end).detach().requires_grad_(true);
    auto logits = model_.forward(x);
    auto sel = logits.gather(1, t_dev.slice(0, begin, end).view({-1, 1})).view({-1});
    auto g = torch::autograd::grad({sel.sum()}, {x})[0];
    if (!out.defined()) {
      auto shape = g.sizes().vec();
      shape[0] = rows;
      out = torch::empty(shape, g.options());
    }
    out.slice(0, begin, end).copy_(g);
    if (outputs) fout.slice(0, begin, end).copy_(sel.detach());
    count(end - begin, end - begin);
  });
  if (outputs) *outputs = fout;
  return out;
}

torch::Tensor GradientRunner::target_logits(const torch::Tensor& x, const torch::Tensor& targets) {
  torch::NoGradGuard no_grad;
  auto logits = model_.forward(x);
  passes_.forward += x.size(0);
  return logits.gather(1, targets.to(logits.device(), torch::kInt64).view({-1, 1})).view({-1});
}

}  // namespace fass
