// Gradients of target logits with respect to inputs, in chunks ("internal batches") that halve
// and retry when memory runs out: work is never skipped. Every gradient method goes through here,
// which is also where model passes are counted.
#pragma once
#include <torch/torch.h>
#include <functional>
#include <mutex>
#include "script_model.h"

namespace fass {

struct Passes {
  int64_t forward = 0;   // images through the model forward
  int64_t backward = 0;  // images back through it
};

// Rows per chunk when the caller names none. CPU: four of the model's fixed kernel batches (256
// rows of 28x28, 32 of 3x224x224). A chunk's whole autograd graph is held until its backward
// pass, and on a CPU a big graph is slow, not only large: IG on the reference CNN ran 1,300-1,500
// rows/s with 64 to 1,024 rows a chunk and 250-420 rows/s with 3,200 (same machine, same load).
// CUDA: about 2^26 input values a chunk (large calls keep the GPU busy; OOM halves them).
// Either way no more rows than the model's memory budget holds (ScriptModel::rows_in_budget).
int64_t default_internal_batch(ScriptModel& model, const torch::Tensor& x);

// Workers that run a method's chunks side by side, one thread each (GradientRunner::for_chunks):
// on a CPU, the threads the caller has, but no more than the memory budget holds fixed-size calls
// at once; 1 on CUDA.
int chunk_workers(ScriptModel& model, const torch::Tensor& x);

class GradientRunner {
 public:
  // internal_batch: most rows per model call; <= 0 means all rows at once. x: the method's batch,
  // whose rows' shape every point has (it sets the fixed call size and the workers, for_chunks).
  GradientRunner(ScriptModel& model, int64_t internal_batch, const torch::Tensor& x);
  // A method's autograd graphs are gone when its runner is: their memory goes back to the system
  // (release_free_memory), not to be kept by this thread's arena while the next method runs on
  // another.
  ~GradientRunner();

  // Rows [0, rows) of the point set are produced by make(begin, end) -> (end-begin, C, H, W) on the
  // model's device; row r is explained for targets[r]. Returns d f_t / d x per row, (rows, C, H, W),
  // and, if outputs is given, f_t at each point (rows).
  torch::Tensor grads(int64_t rows, const std::function<torch::Tensor(int64_t, int64_t)>& make,
                      const torch::Tensor& targets, torch::Tensor* outputs = nullptr);

  // Calls work(begin, end) over [0, rows) in chunks of at most internal_batch rows; a chunk that
  // runs out of memory is retried at half the size, down to one row. With several workers
  // (chunk_workers), chunks of whole fixed-size calls run side by side, one single-threaded worker each
  // (work must then only write its own rows): a small model's operators keep one core busy where
  // two were given, its rows do not. A row's numbers are the same either way (its model call has
  // the granule's size, and LibTorch's kernels here do not split a row's sums by thread count).
  void for_chunks(int64_t rows, const std::function<void(int64_t, int64_t)>& work);

  void count(int64_t forward, int64_t backward) {
    std::lock_guard<std::mutex> lock(count_mutex_);
    passes_.forward += forward;
    passes_.backward += backward;
  }

  // f_t(x) for each row, no gradients (for completeness gaps and the like).
  torch::Tensor target_logits(const torch::Tensor& x, const torch::Tensor& targets);

  ScriptModel& model() { return model_; }
  const Passes& passes() const { return passes_; }
  int64_t internal_batch() const { return internal_batch_; }

 private:
  void one_by_one(int64_t begin, int64_t rows, int64_t chunk, const std::function<void(int64_t, int64_t)>& work);
  void side_by_side(int64_t rows, int64_t chunk, const std::function<void(int64_t, int64_t)>& work);

  ScriptModel& model_;
  int64_t internal_batch_;
  int64_t granule_;  // rows of one fixed-size model call
  int workers_;
  Passes passes_;
  std::mutex count_mutex_;
};

}  // namespace fass
