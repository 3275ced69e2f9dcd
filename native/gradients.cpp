#include "gradients.h"
#include "engine.h"
#include "errors.h"

#include <omp.h>
#include <algorithm>
#include <atomic>
#include <thread>

namespace fass {


int chunk_workers(ScriptModel& model, const torch::Tensor& x) {
  if (!model.device().is_cpu()) return 1;
  const int64_t k = std::max<int64_t>(1, model.kernel_batch(x));
  const int64_t calls_in_budget = model.rows_in_budget(x, /*with_grad=*/true) / k;
  return static_cast<int>(std::clamp<int64_t>(calls_in_budget, 1, std::max(1, at::get_num_threads())));
}

int64_t default_internal_batch(ScriptModel& model, const torch::Tensor& x) {
  const int64_t budget = model.rows_in_budget(x, /*with_grad=*/true);
  if (model.device().is_cpu()) {
    // Whole fixed-size calls: a chunk of fewer rows would be padded to one call anyway. Chunks run
    // side by side (GradientRunner::for_chunks): each worker has its share of the budget.
    const int64_t k = std::max<int64_t>(1, model.kernel_batch(x));
    return k * std::clamp<int64_t>(budget / chunk_workers(model, x) / k, 1, 4);
  }
  const int64_t per_row = std::max<int64_t>(1, x.numel() / std::max<int64_t>(1, x.size(0)));
  return std::min(std::max<int64_t>(1, (int64_t{1} << 26) / per_row), budget);
}

// Chunks per worker when chunks run side by side: enough that the last ones even out the workers.
constexpr int64_t kChunksPerWorker = 8;

GradientRunner::GradientRunner(ScriptModel& model, int64_t internal_batch, const torch::Tensor& x)
    : model_(model), internal_batch_(internal_batch), granule_(std::max<int64_t>(1, model.kernel_batch(x))),
      workers_(chunk_workers(model, x)) {}

GradientRunner::~GradientRunner() { release_free_memory(); }

void GradientRunner::for_chunks(int64_t rows, const std::function<void(int64_t, int64_t)>& work) {
  int64_t chunk = internal_batch_ > 0 ? std::min(internal_batch_, rows) : rows;
  if (workers_ > 1) {
    // Several chunks a worker, in whole granules, so that the workers finish together.
    const int64_t share = (rows + kChunksPerWorker * workers_ - 1) / (kChunksPerWorker * workers_);
    chunk = std::min(chunk, std::max(granule_, (share + granule_ - 1) / granule_ * granule_));
    if (rows > chunk) return side_by_side(rows, chunk, work);
  }
  one_by_one(0, rows, chunk, work);
}

void GradientRunner::one_by_one(int64_t begin, int64_t rows, int64_t chunk, const std::function<void(int64_t, int64_t)>& work) {
  for (; begin < rows;) {
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

void GradientRunner::side_by_side(int64_t rows, int64_t chunk, const std::function<void(int64_t, int64_t)>& work) {
  const int64_t chunks = (rows + chunk - 1) / chunk;
  std::atomic<int64_t> next{0};
  std::vector<char> done(static_cast<size_t>(chunks), 0);
  std::exception_ptr error;
  std::mutex error_mutex;
  const at::ThreadLocalState state;  // grad mode, autocast and the like, as the caller has them
  auto worker = [&] {
    at::ThreadLocalStateGuard guard(state);
    // This thread's OpenMP teams only: at::set_num_threads would also reset process-wide pools
    // and caches that the other workers are using.
    omp_set_num_threads(1);
    for (int64_t c = next++; c < chunks; c = next++) {
      try {
        work(c * chunk, std::min(rows, (c + 1) * chunk));
        done[static_cast<size_t>(c)] = 1;
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        next = chunks;
      }
    }
  };
  std::vector<std::thread> threads;
  for (int w = 0; w < workers_; ++w) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  if (!error) return;
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    if (!is_out_of_memory(e)) throw;
  }
  // Out of memory: what is left runs one chunk at a time, halving as it must.
  for (int64_t c = 0; c < chunks; ++c)
    if (!done[static_cast<size_t>(c)]) one_by_one(c * chunk, std::min(rows, (c + 1) * chunk), std::max<int64_t>(1, chunk / 2), work);
}

torch::Tensor GradientRunner::grads(int64_t rows, const std::function<torch::Tensor(int64_t, int64_t)>& make,
                                    const torch::Tensor& targets, torch::Tensor* outputs) {
  torch::Tensor out, fout;
  std::mutex out_mutex;
  const auto t_dev = targets.to(model_.device(), torch::kInt64);
  if (outputs) fout = torch::empty({rows}, torch::TensorOptions().device(model_.device()));
  for_chunks(rows, [&](int64_t begin, int64_t end) {
    torch::AutoGradMode grad_on(true);
    auto x = make(begin, end).detach().requires_grad_(true);
    auto logits = model_.forward(x);
    auto sel = logits.gather(1, t_dev.slice(0, begin, end).view({-1, 1})).view({-1});
    auto g = torch::autograd::grad({sel.sum()}, {x})[0];
    {
      std::lock_guard<std::mutex> lock(out_mutex);  // chunks may end side by side
      if (!out.defined()) {
        auto shape = g.sizes().vec();
        shape[0] = rows;
        out = torch::empty(shape, g.options());
      }
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
