#include "precision.h"
#include "errors.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

// LibTorch 2.4 made the autocast API device-generic (set_autocast_enabled(device_type, bool),
// set_autocast_dtype(device_type, dtype)) and deprecated the per-device functions that 1.13 has
// (set_enabled / set_cpu_enabled, set_autocast_gpu_dtype / set_autocast_cpu_dtype).
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define FASS_AUTOCAST_BY_DEVICE 1
#else
#define FASS_AUTOCAST_BY_DEVICE 0
#endif

namespace fass {

namespace {

bool autocast_enabled(c10::DeviceType t) {
#if FASS_AUTOCAST_BY_DEVICE
  return at::autocast::is_autocast_enabled(t);
#else
  return t == c10::DeviceType::CUDA ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
#endif
}

void set_autocast_enabled(c10::DeviceType t, bool on) {
#if FASS_AUTOCAST_BY_DEVICE
  at::autocast::set_autocast_enabled(t, on);
#else
  if (t == c10::DeviceType::CUDA) at::autocast::set_enabled(on);
  else at::autocast::set_cpu_enabled(on);
#endif
}

at::ScalarType autocast_dtype(c10::DeviceType t) {
#if FASS_AUTOCAST_BY_DEVICE
  return at::autocast::get_autocast_dtype(t);
#else
  return t == c10::DeviceType::CUDA ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
#endif
}

void set_autocast_dtype(c10::DeviceType t, at::ScalarType d) {
#if FASS_AUTOCAST_BY_DEVICE
  at::autocast::set_autocast_dtype(t, d);
#else
  if (t == c10::DeviceType::CUDA) at::autocast::set_autocast_gpu_dtype(d);
  else at::autocast::set_autocast_cpu_dtype(d);
#endif
}

}  // namespace

Precision parse_precision(const std::string& name) {
  if (name == "fp32") return Precision::fp32;
  if (name == "bf16") return Precision::bf16;
  throw UserError("unknown precision '" + name + "': expected fp32 or bf16");
}

const char* precision_name(Precision p) { return p == Precision::bf16 ? "bf16" : "fp32"; }

AutocastGuard::AutocastGuard(const torch::Device& device, Precision p) {
  if (p == Precision::fp32) return;
  type_ = device.type();
  if (type_ != c10::DeviceType::CPU && type_ != c10::DeviceType::CUDA)
    throw UserError(std::string("precision bf16 is available on cpu and cuda, not on ") + device.str());
  prev_enabled_ = autocast_enabled(type_);
  prev_dtype_ = autocast_dtype(type_);
  set_autocast_dtype(type_, at::kBFloat16);
  set_autocast_enabled(type_, true);
  at::autocast::increment_nesting();
  active_ = true;
}

AutocastGuard::~AutocastGuard() {
  if (!active_) return;
  // The cast cache holds bf16 copies of leaf tensors that require grad; drop it when the outermost
  // guard closes, as torch.autocast does.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  set_autocast_enabled(type_, prev_enabled_);
  set_autocast_dtype(type_, prev_dtype_);
}

}  // namespace fass
