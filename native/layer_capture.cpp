#include "layer_capture.h"
#include "errors.h"

#include <torch/csrc/jit/ir/ir.h>
#include <optional>

namespace fass {

namespace {

using torch::jit::Node;
using torch::jit::Value;

// The dotted module path of a value made by a GetAttr chain from the graph's `self`, if it is one.
std::optional<std::string> module_path(Value* v, Value* self) {
  if (v == self) return std::string();
  Node* n = v->node();
  if (n->kind() != c10::prim::GetAttr) return std::nullopt;
  auto parent = module_path(n->input(0), self);
  if (!parent) return std::nullopt;
  const auto& name = n->s(c10::attr::name);
  return parent->empty() ? name : *parent + "." + name;
}

void forward_calls(torch::jit::Block* b, std::vector<Node*>& out) {
  for (Node* n : b->nodes()) {
    if (n->kind() == c10::prim::CallMethod && n->s(c10::attr::name) == "forward") out.push_back(n);
    for (auto* sub : n->blocks()) forward_calls(sub, out);
  }
}

std::string available(ScriptModel& model) {
  std::string list;
  for (const auto& name : model.submodules()) list += (list.empty() ? "" : ", ") + name;
  return list;
}

}  // namespace

LayerModel::LayerModel(ScriptModel& model, const std::string& path) : model_(model), path_(path) {
  const auto names = model.submodules();
  if (std::find(names.begin(), names.end(), path) == names.end())
    throw UserError("unknown layer '" + path + "'; the model's layers are: " + available(model));
  graph_ = model.module().get_method("forward").graph()->copy();
  Value* self = graph_->inputs()[0];
  Value* activation = nullptr;
  // Each round either finds the layer's call or inlines the deepest enclosing module's call.
  for (size_t round = 0; round <= names.size() && !activation; ++round) {
    std::vector<Node*> calls;
    forward_calls(graph_->block(), calls);
    Node* exact = nullptr;
    Node* enclosing = nullptr;
    size_t depth = 0;
    for (Node* c : calls) {
      auto p = module_path(c->input(0), self);
      if (!p || p->empty()) continue;
      if (*p == path) exact = c;  // the last call wins when a module runs twice
      else if (path.rfind(*p + ".", 0) == 0 && p->size() >= depth) enclosing = c, depth = p->size();
    }
    if (exact) {
      activation = exact->output();
      break;
    }
    if (!enclosing) break;
    auto cls = enclosing->input(0)->type()->expect<c10::ClassType>();
    // Inline the callee's own graph, one level: its optimized graph would be inlined all the way
    // down and lose the submodule calls we are looking for.
    auto& callee = torch::jit::toGraphFunction(cls->getMethod("forward"));
    torch::jit::inlineCallTo(enclosing, &callee, callee.graph().get());
  }
  if (!activation)
    throw UserError("layer '" + path + "' is never called by the model's forward (modules that are only held, or " +
                    "called through functions fass cannot see, have no activation); try one of: " + available(model));
  if (activation->node()->owningBlock() != graph_->block())
    throw UserError("layer '" + path + "' is called inside a loop or branch of the forward; choose another layer");
  if (!activation->type()->isSubtypeOf(*c10::TensorType::get()))
    throw UserError("layer '" + path + "' returns " + activation->type()->str() + ", not a tensor");
  Node* both = graph_->createTuple({graph_->outputs()[0], activation});
  graph_->insertNode(both);
  graph_->eraseOutput(0);
  graph_->registerOutput(both->output());
  fn_ = std::make_unique<torch::jit::GraphFunction>(c10::QualifiedName("fass.layer_forward"), graph_, nullptr);
}

std::pair<torch::Tensor, torch::Tensor> LayerModel::forward(const torch::Tensor& x) {
  std::lock_guard<std::mutex> lock(model_.mutex());
  torch::jit::Stack stack{model_.module()._ivalue(), model_.prepare(x)};
  {
    AutocastGuard autocast(model_.device(), model_.precision());
    fn_->run(stack);
  }
  auto out = stack.back().toTuple()->elements();
  auto logits = out.at(0);
  if (logits.isTuple()) logits = logits.toTuple()->elements().at(0);
  // Logits leave in float32 (as ScriptModel::forward's); the activation keeps the dtype it was
  // computed in, since gradients are taken with respect to that very tensor.
  auto l = logits.toTensor();
  return {l.scalar_type() == torch::kFloat32 ? l : l.to(torch::kFloat32), out.at(1).toTensor()};
}

std::string default_conv_layer(ScriptModel& model) {
  std::string last;
  for (const auto& m : model.module().named_modules()) {
    if (m.name.empty()) continue;
    for (const auto& p : m.value.named_parameters(/*recurse=*/false))
      if (p.name == "weight" && p.value.dim() == 4) last = m.name;
  }
  if (last.empty()) throw UserError("the model has no convolution to take as Grad-CAM's default layer; name one with layer=...");
  return last;
}

}  // namespace fass
