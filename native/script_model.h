// A TorchScript classifier on one device: load, predict logits, list submodules.
// Normalisation (mean/std per channel) belongs here, so callers work in pixel space [0,1].
#pragma once
#include <torch/script.h>
#include <torch/torch.h>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>
#include "precision.h"

namespace fass {

class ScriptModel {
 public:
  // Throws UserError when the file is missing or is not a TorchScript archive.
  ScriptModel(const std::string& path, const std::string& device);

  // Logits (N, classes) on the CPU, float32. x is (N,C,H,W) in [0,1] on any device.
  torch::Tensor predict(const torch::Tensor& x);

  // Forward on the model's device with gradients possible (the attribution engine's entry point).
  // Runs under the model's precision (autocast for bf16); the logits it returns are float32.
  torch::Tensor forward(const torch::Tensor& x);

  // x on the model's device as float32, normalised: what the module's forward receives.
  torch::Tensor prepare(const torch::Tensor& x) const;
  torch::jit::Module& module() { return module_; }

  // Rows per model call. On the CPU every call runs exactly this many rows (the last call padded),
  // because BLAS and oneDNN choose their kernels, and so their rounding, by batch size: with a
  // fixed call size a sample's result does not depend on the batch it came in. Derived from the
  // image size (about 2^16 values per call, 8 to 128 rows); 0 on CUDA (no padding).
  int64_t kernel_batch(const torch::Tensor& x) const;
  void set_kernel_batch(int64_t rows) { kernel_batch_override_ = rows; }

  // Bytes the calls inside one method may take (0: no budget). Methods size their internal
  // batches to it (rows_in_budget) instead of to a row count alone.
  void set_memory_budget(int64_t bytes) { memory_budget_ = bytes; }
  int64_t memory_budget() const { return memory_budget_; }
  // Rows of x's shape that one call may take within the budget (with gradients or without),
  // measured once per shape (memory_budget.h); INT64_MAX without a budget.
  int64_t rows_in_budget(const torch::Tensor& x, bool with_grad);
  // Held shared by every call and exclusively by what changes the module (randomise.h).
  std::shared_mutex& mutex() { return mutex_; }

  // An object derived from this model once and kept with it (a layer's edited forward), by key:
  // make() runs on the first call for a key only.
  template <typename T>
  std::shared_ptr<T> derived(const std::string& key, const std::function<std::shared_ptr<T>()>& make) {
    std::lock_guard<std::mutex> lock(derived_mutex_);
    auto& slot = derived_[key];
    if (!slot) slot = make();
    return std::static_pointer_cast<T>(slot);
  }

  void set_normalisation(std::vector<float> mean, std::vector<float> std);
  // fp32 (the default) or bf16 autocast for every forward of this model (and so its backwards).
  void set_precision(Precision p) { precision_ = p; }
  Precision precision() const { return precision_; }
  std::vector<std::string> submodules() const;
  // Channels of the first 4-D weight (a convolution's input channels), or -1 if there is none.
  int64_t first_conv_in_channels() const;
  // Every parameter by dotted name, as float32 CPU copies (for exporting the model's weights).
  std::vector<std::pair<std::string, torch::Tensor>> named_parameters() const;
  // The fass card stored inside the archive by `fass train` ("" when absent).
  const std::string& card() const { return card_; }
  // How many max_pool2d calls run on fass's 2 x 2 kernel (max_pool.h).
  int fast_max_pools() const { return fast_max_pools_; }
  torch::Device device() const { return device_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  torch::Device device_;
  torch::jit::Module module_;
  std::string card_;
  int fast_max_pools_ = 0;
  torch::Tensor mean_, std_;
  int64_t kernel_batch_override_ = -1;
  int64_t memory_budget_ = 0;
  std::map<std::pair<std::vector<int64_t>, bool>, int64_t> row_bytes_;  // per (row shape, gradients)
  std::mutex budget_mutex_;   // guards row_bytes_: methods on two threads may ask at once
  std::map<std::string, std::shared_ptr<void>> derived_;
  std::mutex derived_mutex_;  // guards derived_
  Precision precision_ = Precision::fp32;
  std::shared_mutex mutex_;  // calls run side by side; changing the parameters waits for them
};

// Runs fn over x in calls of exactly k rows (the last padded with zeros), trimming and joining
// each output along dim 0. fn gets the piece, the offset of its first row in x and its real row
// count. k <= 0 runs fn on x at once. Autograd flows through.
using PieceFn = std::function<std::vector<torch::Tensor>(const torch::Tensor& piece, int64_t begin, int64_t rows)>;
std::vector<torch::Tensor> in_fixed_batches(const torch::Tensor& x, int64_t k, const PieceFn& fn);

// t's rows [begin, begin + rows), padded with zeros to k rows (targets for a padded piece).
torch::Tensor pad_rows(const torch::Tensor& t, int64_t begin, int64_t rows, int64_t k);

// The rows of a batch whose logits are not all finite (NaN/inf input or model output).
std::vector<int64_t> nonfinite_rows(const torch::Tensor& logits);

}  // namespace fass
