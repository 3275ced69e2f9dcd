// Access to a layer's activation in any TorchScript model. Scripted and traced modules take no
// forward hooks, so we edit a copy of the forward graph instead: the call of the target submodule
// appears as prim::GetAttr + prim::CallMethod; we inline the enclosing modules' forwards down to
// that call and make its output a second graph output. Nothing else in fass does this.
#pragma once
#include <torch/script.h>
#include <torch/csrc/jit/api/function_impl.h>
#include <memory>
#include <string>
#include <vector>
#include "script_model.h"

namespace fass {

class LayerModel {
 public:
  // path: dotted module path ("conv2", "layer4.1.conv2"). An unknown path is a UserError listing
  // the available ones.
  LayerModel(ScriptModel& model, const std::string& path);

  // (logits, activation of the layer) for x in pixel space, in one model call; autograd flows
  // through both. Callers keep the call size fixed with in_fixed_batches (see ScriptModel).
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& x);
  const std::string& path() const { return path_; }

 private:
  ScriptModel& model_;
  std::string path_;
  std::shared_ptr<torch::jit::Graph> graph_;
  std::unique_ptr<torch::jit::GraphFunction> fn_;
};

// The last submodule holding a 4-D weight (a convolution): Grad-CAM's default layer.
std::string default_conv_layer(ScriptModel& model);

}  // namespace fass
