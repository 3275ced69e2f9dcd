// Device names as the CLI spells them ("cpu", "cuda", "cuda:1") and the checks behind them.
#pragma once
#include <torch/torch.h>
#include <string>

namespace fass {

// Parses and validates a device name; a UserError names the value and what this build accepts.
torch::Device parse_device(const std::string& name);

bool cuda_available();
int cuda_device_count();

// Sets LibTorch's intra-op thread count for the calling thread. OpenMP keeps this per thread, so
// it must run inside each worker thread; it is a no-op when the count is already in force.
void use_threads(int n);

}  // namespace fass
