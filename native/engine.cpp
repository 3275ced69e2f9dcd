#include "engine.h"

#include <dlfcn.h>
#include <cstdlib>  // defines __GLIBC__ on glibc systems
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <torch/torch.h>
#include <torch/csrc/jit/runtime/graph_executor.h>

namespace fass {

namespace {
constexpr size_t kKeepFree = size_t{256} << 20;  // free bytes the arenas may keep between calls
}  // namespace

void configure_engine() {
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
  // Those two settings hold in the main heap only. The engine's calls run on libuv's and its own
  // threads, and glibc gives threads heaps of their own (at most 64 MB each, made and unmapped as
  // they fill and empty), where a chunk's activations page-faulted in again call after call: one
  // heap for every thread that allocates from here on.
  mallopt(M_ARENA_MAX, 1);
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
}

void release_free_memory() {
#if defined(__GLIBC__)
  // Only past a threshold: trimming after every call made small models' next calls fault their
  // pages in again (the demo's configuration: system time 2 -> 25 s, wall 33 -> 47 s).
  if (mallinfo2().fordblks > kKeepFree) malloc_trim(0);
#endif
}

}  // namespace fass
