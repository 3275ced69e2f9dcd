// The addon's entry point: registers the JS classes and functions of the engine.
#include <napi.h>
#include <torch/torch.h>
#include "device.h"
#include "engine.h"
#include "model_wrap.h"
#include "tensor_wrap.h"
#include "worker.h"

namespace fass_js {
void InitTrain(Napi::Env env, Napi::Object exports);
void InitKernels(Napi::Env env, Napi::Object exports);   // kernels_wrap.cpp: black-box method kernels
void InitAttribution(Napi::Env env, Napi::Object exports);  // attribution_wrap.cpp: gradient methods
void InitSimilarity(Napi::Env env, Napi::Object exports);   // similarity_wrap.cpp: map similarity metrics
void InitPerturb(Napi::Env env, Napi::Object exports);      // perturb_wrap.cpp: perturbations and alignment
void InitOsr(Napi::Env env, Napi::Object exports);          // osr_wrap.cpp: OSR's batched per-image GANs
void InitMetrics(Napi::Env env, Napi::Object exports);      // metrics_wrap.cpp: robustness and faithfulness metrics

namespace {

Napi::Value BuildInfo(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto o = Napi::Object::New(env);
  o.Set("torchVersion", TORCH_VERSION);
  o.Set("cudaAvailable", fass::cuda_available());
  o.Set("cudaDevices", fass::cuda_device_count());
  o.Set("mkldnn", static_cast<bool>(at::hasMKLDNN()));
  o.Set("parallel", at::get_parallel_info());
  o.Set("cxx11Abi", static_cast<bool>(_GLIBCXX_USE_CXX11_ABI));
  o.Set("cudaStats", fass::cuda_stats_built());
  return o;
}

int index_arg(const Napi::CallbackInfo& info) {
  return info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : 0;
}

// cudaSynchronize(device?): waits for the device's queued work (benchmarks, before a clock).
void CudaSynchronize(const Napi::CallbackInfo& info) {
  const std::string name = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "cuda";
  guard(info.Env(), [&] { fass::synchronize(fass::parse_device(name)); });
}

// cudaMemory(index?): the caching allocator's bytes, or null where this build has no statistics.
Napi::Value CudaMemory(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const auto m = fass::cuda_memory(index_arg(info));
  if (!m.ok) return env.Null();
  auto o = Napi::Object::New(env);
  o.Set("allocated", static_cast<double>(m.allocated));
  o.Set("allocatedPeak", static_cast<double>(m.allocated_peak));
  o.Set("reserved", static_cast<double>(m.reserved));
  o.Set("reservedPeak", static_cast<double>(m.reserved_peak));
  return o;
}

void CudaResetPeak(const Napi::CallbackInfo& info) { fass::cuda_reset_peak(index_arg(info)); }

}  // namespace
}  // namespace fass_js

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  using namespace fass_js;
  fass::configure_engine();
  TensorWrap::Init(env, exports);
  ModelWrap::Init(env, exports);
  InitTrain(env, exports);
  InitKernels(env, exports);
  InitAttribution(env, exports);
  InitSimilarity(env, exports);
  InitPerturb(env, exports);
  InitOsr(env, exports);
  InitMetrics(env, exports);
  exports.Set("buildInfo", Napi::Function::New(env, BuildInfo));
  exports.Set("cudaSynchronize", Napi::Function::New(env, CudaSynchronize));
  exports.Set("cudaMemory", Napi::Function::New(env, CudaMemory));
  exports.Set("cudaResetPeak", Napi::Function::New(env, CudaResetPeak));
  return exports;
}

NODE_API_MODULE(fass_native, InitAddon)
