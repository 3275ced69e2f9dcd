#include "reference_cnn.h"

#include <torch/torch.h>
#include <cmath>
#include <memory>

namespace fass {

namespace {

using torch::jit::Module;

// A leaf module with weight and bias drawn U(-1/sqrt(fan_in), 1/sqrt(fan_in)), as PyTorch's
// Conv2d/Linear default initialisation does (kaiming_uniform with a = sqrt(5)).
Module leaf(const std::shared_ptr<torch::jit::CompilationUnit>& cu, const char* cls, std::vector<int64_t> wshape,
            int64_t fan_in, const std::string& forward, torch::Generator& gen) {
  Module m(c10::QualifiedName(std::string("__torch__.fass.") + cls), cu, /*shouldMangle=*/true);
  const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
  auto w = torch::empty(wshape).uniform_(-bound, bound, gen);
  auto b = torch::empty({wshape[0]}).uniform_(-bound, bound, gen);
  m.register_parameter("weight", w, false);
  m.register_parameter("bias", b, false);
  m.define(forward);
  return m;
}

}  // namespace

Module build_reference_cnn(const CnnShape& s, uint64_t seed) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  auto cu = std::make_shared<torch::jit::CompilationUnit>();
  const std::string conv_fwd =
      "def forward(self, x: Tensor) -> Tensor:\n"
      "    return torch.conv2d(x, self.weight, self.bias, [1, 1], [1, 1])\n";
  const std::string linear_fwd =
      "def forward(self, x: Tensor) -> Tensor:\n"
      "    return torch.linear(x, self.weight, self.bias)\n";
  const int64_t flat = s.width2 * (s.height / 4) * (s.width / 4);
  Module net(c10::QualifiedName("__torch__.fass.ReferenceCNN"), cu, true);
  net.register_module("conv1", leaf(cu, "Conv2d", {s.width1, s.channels, 3, 3}, s.channels * 9, conv_fwd, gen));
  net.register_module("conv2", leaf(cu, "Conv2d", {s.width2, s.width1, 3, 3}, s.width1 * 9, conv_fwd, gen));
  net.register_module("fc1", leaf(cu, "Linear", {s.hidden, flat}, flat, linear_fwd, gen));
  net.register_module("fc2", leaf(cu, "Linear", {s.classes, s.hidden}, s.hidden, linear_fwd, gen));
  net.define(
      "def forward(self, x: Tensor) -> Tensor:\n"
      "    x = torch.max_pool2d(torch.relu(self.conv1.forward(x)), [2, 2])\n"
      "    x = torch.max_pool2d(torch.relu(self.conv2.forward(x)), [2, 2])\n"
      "    x = torch.relu(self.fc1.forward(torch.flatten(x, 1)))\n"
      "    return self.fc2.forward(x)\n");
  return net;
}

}  // namespace fass
