// The addon's entry point: registers the JS classes and functions of the engine.
#include <cstdlib>  // defines __GLIBC__ on glibc systems
#if defined(__GLIBC__)
#include <malloc.h>
#endif
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
#if defined(__GLIBC__)
  // glibc serves blocks above its mmap threshold (a few MB once adapted) with fresh mappings and
  // returns them on free, so every autograd graph's activations page-fault in again: about a
  // fifth of a FASS run's CPU time went to the kernel. Keep blocks up to 64 MB in the heap and
  // trim it only past 128 MB free (measured on 16 images x 6 methods: system time 10.4 -> 4.9 s,
  // wall 53 -> 47 s).
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 128 << 20);
#endif
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
