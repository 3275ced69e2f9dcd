// Access to a layer's activation in any TorchScript model, scripted or traced: the forward with
// every call inlined (module_calls.h), the layer's output made a second graph output. Also the
// layer Grad-CAM takes when none is named, and a probe that checks a layer before any work.
#pragma once
#include <torch/script.h>
#include <torch/csrc/jit/api/function_impl.h>
#include <memory>
#include <string>
#include <vector>
#include "activation_layout.h"
#include "script_model.h"

namespace fass {

class LayerModel {
 public:
  // path: dotted module path ("conv2", "layer4.1.conv2"); a module called more than once gives
  // its last call's output. An unknown path, or one the forward never calls, is a UserError.
  LayerModel(ScriptModel& model, const std::string& path);
  // The model's LayerModel for path, made once and kept with the model: inlining a big model's
  // forward takes longer than a call of it.
  static std::shared_ptr<LayerModel> of(ScriptModel& model, const std::string& path);

  // (logits, activation of the layer) for x in pixel space, in one model call; autograd flows
  // through both. Callers keep the call size fixed with in_fixed_batches (see ScriptModel).
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& x);
  const std::string& path() const { return path_; }

 private:
  ScriptModel& model_;
  std::string path_;
  std::unique_ptr<torch::jit::GraphFunction> fn_;
};

// The layer a practitioner would pick for Grad-CAM on inputs of `input_shape` (N,C,H,W), found
// from the module tree and the activations' shapes on one probe input:
// - transformers (blocks that keep a token sequence or channels-last grid and start with a norm):
//   the first norm of the last such block (ViT's ln_1, Swin's norm1);
// - otherwise the last module with children or with weights (not a lone activation or pool) whose
//   output is an (N,C,h,w) grid with h*w > 1, and of the modules returning that very tensor the
//   innermost that has children (ResNet's layer4[-1], the last stage of DenseNet, MobileNet,
//   EfficientNet and ConvNeXt; a flat CNN's last convolution).
std::string default_layer(ScriptModel& model, const std::vector<int64_t>& input_shape);

struct LayerProbe {
  std::string layer;            // as named, or the default
  std::vector<int64_t> shape;   // the activation's shape on one input
  Grid grid;
};

// Resolves `layer` ("" for the default), runs it on one input of `input_shape` without gradients
// and reads its grid as `reshape` asks: any problem is a UserError, before any real work.
LayerProbe probe_layer(ScriptModel& model, const std::string& layer, const std::string& reshape,
                       const std::vector<int64_t>& input_shape);

}  // namespace fass
