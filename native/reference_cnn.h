// The reference CNN of shared/reference/README.md, built directly as a TorchScript module so that
// what `fass train` writes loads anywhere TorchScript loads (torch.jit.load in Python included)
// and keeps named submodules (conv1, conv2, fc1, fc2) for layer-based methods.
#pragma once
#include <torch/script.h>
#include <cstdint>

namespace fass {

struct CnnShape {
  int64_t channels = 1, height = 28, width = 28, classes = 10;
  int64_t width1 = 16, width2 = 32, hidden = 64;  // conv1, conv2 output channels; fc1 width
};

// conv1 C->w1 3x3 pad 1, ReLU, maxpool 2; conv2 w1->w2 3x3 pad 1, ReLU, maxpool 2;
// fc1 (w2*H/4*W/4)->hidden, ReLU; fc2 hidden->classes. Weights drawn as PyTorch's defaults
// (uniform +-1/sqrt(fan_in)) from the given seed.
torch::jit::Module build_reference_cnn(const CnnShape& shape, uint64_t seed);

}  // namespace fass
