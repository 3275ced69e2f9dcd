// The addon's entry point: registers the JS classes and functions of the engine.
#include <napi.h>
#include <torch/torch.h>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include "device.h"
#include "model_wrap.h"
#include "tensor_wrap.h"

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
  return o;
}

}  // namespace
}  // namespace fass_js

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  using namespace fass_js;
  // Run TorchScript graphs as written: no profiling runs, no fusion, so the first call is as fast
  // as the rest and results do not change after a warm-up.
  torch::jit::setGraphExecutorOptimize(false);
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
  return exports;
}

NODE_API_MODULE(fass_native, InitAddon)
