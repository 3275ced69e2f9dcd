// A TorchScript classifier on one device: load, predict logits, list submodules.
// Normalisation (mean/std per channel) belongs here, so callers work in pixel space [0,1].
#pragma once
#include <torch/script.h>
#include <torch/torch.h>
#include <mutex>
#include <string>
#include <vector>

namespace fass {

class ScriptModel {
 public:
  // Throws UserError when the file is missing or is not a TorchScript archive.
  ScriptModel(const std::string& path, const std::string& device);

  // Logits (N, classes) on the CPU, float32. x is (N,C,H,W) in [0,1] on any device.
  torch::Tensor predict(const torch::Tensor& x);

  // Forward on the model's device with gradients possible (the attribution engine's entry point).
  torch::Tensor forward(const torch::Tensor& x);

  // x on the model's device as float32, normalised: what the module's forward receives.
  torch::Tensor prepare(const torch::Tensor& x) const;
  torch::jit::Module& module() { return module_; }
  std::mutex& mutex() { return mutex_; }

  void set_normalisation(std::vector<float> mean, std::vector<float> std);
  std::vector<std::string> submodules() const;
  // Channels of the first 4-D weight (a convolution's input channels), or -1 if there is none.
  int64_t first_conv_in_channels() const;
  // The fass card stored inside the archive by `fass train` ("" when absent).
  const std::string& card() const { return card_; }
  torch::Device device() const { return device_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  torch::Device device_;
  torch::jit::Module module_;
  std::string card_;
  torch::Tensor mean_, std_;
  std::mutex mutex_;  // a jit::Module is not safe to run from two threads at once
};

// The rows of a batch whose logits are not all finite (NaN/inf input or model output).
std::vector<int64_t> nonfinite_rows(const torch::Tensor& logits);

}  // namespace fass
