#include "randomise.h"
#include <ATen/CPUGeneratorImpl.h>
#include <cmath>
#include <set>
#include "errors.h"

namespace fass {

namespace {

enum class Init { fan_in_uniform, norm, embedding };

// The classes whose reset_parameters fass reproduces, and how (torch/nn/modules/*.py).
const std::map<std::string, Init>& kinds() {
  static const std::map<std::string, Init> k = {
      {"Conv1d", Init::fan_in_uniform}, {"Conv2d", Init::fan_in_uniform}, {"Conv3d", Init::fan_in_uniform},
      {"ConvTranspose1d", Init::fan_in_uniform}, {"ConvTranspose2d", Init::fan_in_uniform},
      {"ConvTranspose3d", Init::fan_in_uniform}, {"Linear", Init::fan_in_uniform},
      {"NonDynamicallyQuantizableLinear", Init::fan_in_uniform},
      {"BatchNorm1d", Init::norm}, {"BatchNorm2d", Init::norm}, {"BatchNorm3d", Init::norm},
      {"SyncBatchNorm", Init::norm}, {"LayerNorm", Init::norm}, {"GroupNorm", Init::norm},
      {"InstanceNorm1d", Init::norm}, {"InstanceNorm2d", Init::norm}, {"InstanceNorm3d", Init::norm},
      {"Embedding", Init::embedding}};
  return k;
}

std::string kind_of(const torch::jit::Module& m) { return m.type()->name() ? m.type()->name()->name() : ""; }

torch::Tensor tensor_attr(const torch::jit::Module& m, const char* name) {
  if (!m.hasattr(name)) return torch::Tensor();
  auto v = m.attr(name);
  return v.isTensor() ? v.toTensor() : torch::Tensor();
}

// t <- values drawn on the CPU (so every device gets the same numbers), in place.
void assign(torch::Tensor t, const torch::Tensor& cpu) {
  if (t.defined()) t.copy_(cpu.to(t.scalar_type()));
}

}  // namespace

std::vector<ResettableLayer> resettable_layers(ScriptModel& m) {
  std::vector<ResettableLayer> out;
  for (const auto& s : m.module().named_modules()) {
    if (s.name.empty()) continue;
    const auto k = kind_of(s.value);
    if (kinds().count(k)) out.push_back({s.name, k});
  }
  return out;
}

void reset_layer(ScriptModel& m, const std::string& name, uint64_t seed) {
  std::unique_lock<std::shared_mutex> lock(m.mutex());
  for (const auto& s : m.module().named_modules()) {
    if (s.name != name) continue;
    const auto k = kind_of(s.value);
    auto it = kinds().find(k);
    if (it == kinds().end()) throw UserError("layer '" + name + "' (" + k + ") has no parameters fass knows how to reset");
    torch::NoGradGuard no_grad;
    auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    auto w = tensor_attr(s.value, "weight"), b = tensor_attr(s.value, "bias");
    auto uniform = [&](const torch::Tensor& like, double bound) {
      return torch::empty(like.sizes(), torch::kFloat32).uniform_(-bound, bound, gen);
    };
    switch (it->second) {
      case Init::fan_in_uniform: {
        // kaiming_uniform_(a = sqrt(5)) gives U(-1/sqrt(fan_in), 1/sqrt(fan_in)); the bias the same bound.
        const double fan_in = static_cast<double>(w.numel() / w.size(0));
        const double bound = 1.0 / std::sqrt(fan_in);
        assign(w, uniform(w, bound));
        if (b.defined()) assign(b, uniform(b, bound));
        break;
      }
      case Init::norm: {
        if (w.defined()) w.fill_(1);
        if (b.defined()) b.zero_();
        auto mean = tensor_attr(s.value, "running_mean"), var = tensor_attr(s.value, "running_var");
        auto count = tensor_attr(s.value, "num_batches_tracked");
        if (mean.defined()) mean.zero_();
        if (var.defined()) var.fill_(1);
        if (count.defined()) count.zero_();
        break;
      }
      case Init::embedding:
        assign(w, torch::empty(w.sizes(), torch::kFloat32).normal_(0, 1, gen));
        break;
    }
    return;
  }
  throw UserError("no layer named '" + name + "' in the model");
}

void copy_parameters(ScriptModel& dst, ScriptModel& src) {
  std::unique_lock<std::shared_mutex> lock(dst.mutex());
  torch::NoGradGuard no_grad;
  auto from = src.module().named_parameters(true);
  auto to = dst.module().named_parameters(true);
  std::map<std::string, torch::Tensor> by_name;
  for (const auto& p : from) by_name[p.name] = p.value;
  for (const auto& b : src.module().named_buffers(true)) by_name[b.name] = b.value;
  auto put = [&](const std::string& n, torch::Tensor t) {
    auto it = by_name.find(n);
    if (it == by_name.end()) throw UserError("copy_parameters: the models differ at '" + n + "'");
    t.copy_(it->second);
  };
  for (const auto& p : to) put(p.name, p.value);
  for (const auto& b : dst.module().named_buffers(true)) put(b.name, b.value);
}

}  // namespace fass
