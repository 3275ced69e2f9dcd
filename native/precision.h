// Numeric precision of model calls, a run option like the device: fp32 (as written) or bf16
// (autocast: matrix products and convolutions in bfloat16, the rest as autocast decides). It is
// applied in one place: an AutocastGuard around each forward (ScriptModel::forward and
// LayerModel::forward). Backward passes need no guard: autograd replays each op in the dtype
// its forward ran in. Autocast state is thread-local, so the guard lives in the thread that runs
// the call (an AsyncWorker's). Maps and scores leave the engine in float32.
#pragma once
#include <torch/torch.h>
#include <string>

namespace fass {

enum class Precision { fp32, bf16 };

// "fp32" or "bf16"; a UserError names the value and the accepted ones otherwise.
Precision parse_precision(const std::string& name);
const char* precision_name(Precision p);

// Enables autocast to bfloat16 for `device`'s type while it lives (no-op for fp32), restoring the
// previous state after. Nestable.
class AutocastGuard {
 public:
  AutocastGuard(const torch::Device& device, Precision p);
  ~AutocastGuard();
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  bool active_ = false;
  c10::DeviceType type_ = c10::DeviceType::CPU;
  bool prev_enabled_ = false;
  at::ScalarType prev_dtype_ = at::kFloat;
};

}  // namespace fass
