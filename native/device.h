// Device names as the CLI spells them ("cpu", "cuda", "cuda:1") and the checks behind them.
#pragma once
#include <torch/torch.h>
#include <string>

namespace fass {

// Parses and validates a device name; a UserError names the value and what this build accepts.
torch::Device parse_device(const std::string& name);

bool cuda_available();
int cuda_device_count();

// Waits for all work queued on a CUDA device (no-op on the CPU). Results that leave the engine
// are copied to the CPU, which already waits for the work that made them; benchmarks call this
// before reading a clock.
void synchronize(const torch::Device& device);

// The CUDA caching allocator's bytes on a device: in use now and at their peak, and reserved
// (held from the driver) now and at peak. ok is false where this build has no CUDA statistics
// (a CPU LibTorch, or no CUDA runtime headers at build time; see CMakeLists.txt).
struct CudaMemory {
  bool ok = false;
  int64_t allocated = 0, allocated_peak = 0, reserved = 0, reserved_peak = 0;
};
CudaMemory cuda_memory(int device_index);
void cuda_reset_peak(int device_index);
bool cuda_stats_built();

// Sets LibTorch's intra-op thread count for the calling thread. OpenMP keeps this per thread, so
// it must run inside each worker thread; it is a no-op when the count is already in force.
void use_threads(int n);

}  // namespace fass
