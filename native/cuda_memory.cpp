// CUDA memory statistics from LibTorch's caching allocator, compiled in only where LibTorch has
// CUDA and the CUDA runtime headers were found (FASS_CUDA_STATS, set by CMakeLists.txt).
#include "device.h"

#ifdef FASS_CUDA_STATS
#include <c10/cuda/CUDACachingAllocator.h>
#endif

namespace fass {

CudaMemory cuda_memory(int device_index) {
  CudaMemory m;
#ifdef FASS_CUDA_STATS
  if (!cuda_available() || device_index < 0 || device_index >= cuda_device_count()) return m;
  const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(static_cast<c10::DeviceIndex>(device_index));
  // Index 0 is StatType::AGGREGATE (all pools) in LibTorch 1.13 and 2.x alike; the enum moved
  // namespace in 2.6 (c10::CachingDeviceAllocator), its values did not.
  m.allocated = stats.allocated_bytes[0].current;
  m.allocated_peak = stats.allocated_bytes[0].peak;
  m.reserved = stats.reserved_bytes[0].current;
  m.reserved_peak = stats.reserved_bytes[0].peak;
  m.ok = true;
#endif
  return m;
}

bool cuda_stats_built() {
#ifdef FASS_CUDA_STATS
  return true;
#else
  return false;
#endif
}

void cuda_reset_peak(int device_index) {
#ifdef FASS_CUDA_STATS
  if (!cuda_available() || device_index < 0 || device_index >= cuda_device_count()) return;
  c10::cuda::CUDACachingAllocator::resetPeakStats(static_cast<c10::DeviceIndex>(device_index));
#endif
}

}  // namespace fass
