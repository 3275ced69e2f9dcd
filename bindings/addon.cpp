// The addon's entry point: registers the JS classes and functions of the engine.
#include <dlfcn.h>
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
  // LibTorch already runs each operator on its intra-op threads; an OpenBLAS built with its own
  // pthread pool (Debian's libtorch links one) adds as many threads again, which wait for work by
  // calling sched_yield in a loop and take the cores from the operators that feed them (IG on 32
  // images: system time 11 -> 1.7 s, wall 26.5 -> 20.2 s). Its small products run on the calling
  // thread instead. Looked up at run time: other builds (MKL, CUDA wheels) do not have it.
  if (auto set_threads = reinterpret_cast<void (*)(int)>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set_threads(1);
  // fp32 means IEEE float32 on CUDA too: no TF32 in cuDNN convolutions (PyTorch's default allows
  // it) or cuBLAS matrix products, so CUDA maps match the CPU's and Captum's to float rounding.
  // Reduced precision is asked for explicitly, with --precision bf16.
  at::globalContext().setAllowTF32CuDNN(false);
  at::globalContext().setAllowTF32CuBLAS(false);
  // Same numbers on rerun: cuDNN's deterministic algorithms only (its fastest backward
  // convolutions add with atomics, in whatever order the threads arrive), no autotuning.
  at::globalContext().setDeterministicCuDNN(true);
  at::globalContext().setBenchmarkCuDNN(false);
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
