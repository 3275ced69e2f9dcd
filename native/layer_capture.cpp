#include "layer_capture.h"
#include "errors.h"
#include "module_calls.h"

#include <map>
#include <optional>
#include <unordered_map>

namespace fass {

namespace {

using torch::jit::Value;

std::string available(ScriptModel& model) {
  std::string list;
  for (const auto& name : model.submodules()) list += (list.empty() ? "" : ", ") + name;
  return list;
}

std::unique_ptr<torch::jit::GraphFunction> function_of(InlinedForward& f, const std::vector<Value*>& extra) {
  f.add_outputs(extra);
  return std::make_unique<torch::jit::GraphFunction>(c10::QualifiedName("fass.layer_forward"), f.graph(), nullptr);
}

// The edited forward on x (pixel space): (output, extra...) as the graph returns them.
std::vector<c10::IValue> run(ScriptModel& model, torch::jit::GraphFunction& fn, const torch::Tensor& x) {
  std::shared_lock<std::shared_mutex> lock(model.mutex());
  torch::jit::Stack stack{model.module()._ivalue(), model.prepare(x)};
  {
    AutocastGuard autocast(model.device(), model.precision());
    fn.run(stack);
  }
  return stack.back().toTuple()->elements().vec();
}

bool is_tensor(Value* v) {
  return v && (v->type()->isSubtypeOf(*c10::TensorType::get()) ||
               v->type()->isSubtypeOf(*c10::OptionalType::ofTensor()));
}

// What default_layer needs of each module: has it children, are its parameters all 1-D (a norm)?
struct ModuleKind {
  bool leaf = true, norm = false, weighted = false;
};

std::unordered_map<std::string, ModuleKind> module_kinds(torch::jit::Module& root) {
  std::unordered_map<std::string, ModuleKind> kinds;
  for (const auto& m : root.named_modules()) {
    ModuleKind k;
    k.leaf = m.value.children().size() == 0;
    size_t params = 0, flat = 0;
    for (const auto& p : m.value.parameters(/*recurse=*/false)) ++params, flat += p.dim() == 1;
    k.norm = k.leaf && params > 0 && params == flat;
    k.weighted = params > 0;
    kinds[m.name] = k;
  }
  return kinds;
}

}  // namespace

LayerModel::LayerModel(ScriptModel& model, const std::string& path) : model_(model), path_(path) {
  const auto names = model.submodules();
  if (std::find(names.begin(), names.end(), path) == names.end())
    throw UserError("unknown layer '" + path + "'; the model's layers are: " + available(model));
  InlinedForward f(model.module());
  const ModuleCall* call = f.last_call(path);
  if (!call || !call->output)
    throw UserError("layer '" + path + "' is never called by the model's forward (a module that is only held, or " +
                    "whose parameters are used without calling it, has no activation); try one of: " + available(model));
  if (!is_tensor(call->output))
    throw UserError("layer '" + path + "' returns " + call->output->type()->str() + ", not a tensor");
  fn_ = function_of(f, {f.hoist(call->output)});
}

std::shared_ptr<LayerModel> LayerModel::of(ScriptModel& model, const std::string& path) {
  return model.derived<LayerModel>("layer:" + path, [&] { return std::make_shared<LayerModel>(model, path); });
}

std::pair<torch::Tensor, torch::Tensor> LayerModel::forward(const torch::Tensor& x) {
  auto out = run(model_, *fn_, x);
  auto logits = out.at(0);
  if (logits.isTuple()) logits = logits.toTuple()->elements().at(0);
  if (out.at(1).isNone())
    throw UserError("layer '" + path_ + "' sits in a branch or loop of the forward that did not run on this input");
  // Logits leave in float32 (as ScriptModel::forward's); the activation keeps the dtype it was
  // computed in, since gradients are taken with respect to that very tensor.
  auto l = logits.toTensor();
  return {l.scalar_type() == torch::kFloat32 ? l : l.to(torch::kFloat32), out.at(1).toTensor()};
}

namespace {

using Shape = std::optional<std::vector<int64_t>>;

// Each call's (input, output) shape on one mid-grey input of input_shape (nullopt: not a tensor,
// or not made on that input).
std::vector<std::pair<Shape, Shape>> call_shapes(ScriptModel& model, InlinedForward& f, const std::vector<int64_t>& input_shape) {
  std::vector<Value*> values;
  std::map<Value*, size_t> slot;
  for (const auto& c : f.calls())
    for (Value* v : {c.input, c.output})
      if (is_tensor(v) && !slot.count(v)) slot[v] = values.size(), values.push_back(v);
  std::vector<Value*> hoisted;
  for (Value* v : values) hoisted.push_back(f.hoist(v));
  auto fn = function_of(f, hoisted);
  std::vector<c10::IValue> out;
  {
    torch::NoGradGuard no_grad;
    out = run(model, *fn, torch::full({1, input_shape.at(1), input_shape.at(2), input_shape.at(3)}, 0.5f));
  }
  auto shape = [&](Value* v) -> Shape {
    if (!slot.count(v) || !out.at(1 + slot[v]).isTensor()) return std::nullopt;
    return out.at(1 + slot[v]).toTensor().sizes().vec();
  };
  std::vector<std::pair<Shape, Shape>> shapes;
  for (const auto& c : f.calls()) shapes.emplace_back(shape(c.input), shape(c.output));
  return shapes;
}

struct Tree {
  std::unordered_map<std::string, ModuleKind> kinds;
  const std::vector<ModuleCall>& calls;
  ModuleKind kind(const std::string& path) const {
    auto k = kinds.find(path);
    return k == kinds.end() ? ModuleKind{} : k->second;
  }
  // The first leaf module called inside call c.
  const ModuleCall* first_leaf(const ModuleCall& c) const {
    for (const auto& d : calls)
      if (d.start > c.start && d.finish < c.finish && kind(d.path).leaf) return &d;
    return nullptr;
  }
};

// Transformers: the first norm of the last block that keeps a token sequence or channels-last
// grid (input shape = output shape) and starts with a norm; null for a model without such blocks.
const ModuleCall* transformer_norm(const Tree& t, const std::vector<std::pair<Shape, Shape>>& shapes, int64_t H, int64_t W) {
  const ModuleCall* block = nullptr;
  for (size_t i = 0; i < t.calls.size(); ++i) {
    const auto& c = t.calls[i];
    const auto& [in, out] = shapes[i];
    Grid g;
    if (t.kind(c.path).leaf || !in || !out || *in != *out || !find_grid(*out, H, W, g) || g.layout == Layout::nchw) continue;
    const ModuleCall* leaf = t.first_leaf(c);
    if (leaf && t.kind(leaf->path).norm && (!block || c.start > block->start)) block = &c;
  }
  return block ? t.first_leaf(*block) : nullptr;
}

// CNNs: the last (N,C,h,w) grid of a block or a weighted layer (a lone activation or pool is not
// a layer one picks), from the innermost module with children that returns that very tensor.
const ModuleCall* cnn_block(const Tree& t, const std::vector<std::pair<Shape, Shape>>& shapes, int64_t H, int64_t W) {
  const ModuleCall* last = nullptr;
  for (size_t i = 0; i < t.calls.size(); ++i) {
    const auto& c = t.calls[i];
    const auto& out = shapes[i].second;
    Grid g;
    if (t.kind(c.path).leaf && !t.kind(c.path).weighted) continue;
    if (out && find_grid(*out, H, W, g) && g.layout == Layout::nchw && g.h * g.w > 1 && (!last || c.finish > last->finish)) last = &c;
  }
  if (!last) return nullptr;
  const ModuleCall* pick = last;
  for (const auto& c : t.calls) {
    if (c.output != last->output) continue;
    const bool block = !t.kind(c.path).leaf;
    if (t.kind(pick->path).leaf ? (block || c.start > pick->start) : (block && c.start > pick->start)) pick = &c;
  }
  return pick;
}

}  // namespace

std::string default_layer(ScriptModel& model, const std::vector<int64_t>& input_shape) {
  const int64_t H = input_shape.at(2), W = input_shape.at(3);
  InlinedForward f(model.module());
  const auto shapes = call_shapes(model, f, input_shape);
  const Tree tree{module_kinds(model.module()), f.calls()};
  const ModuleCall* pick = transformer_norm(tree, shapes, H, W);
  if (!pick) pick = cnn_block(tree, shapes, H, W);
  if (!pick)
    throw UserError("no layer of the model gives a spatial activation for inputs of shape " + shape_str(input_shape) +
                    "; name one with layer=..., one of: " + available(model));
  return pick->path;
}

LayerProbe probe_layer(ScriptModel& model, const std::string& layer, const std::string& reshape,
                       const std::vector<int64_t>& input_shape) {
  if (input_shape.size() != 4) throw UserError("inputs must be (N,C,H,W), got " + shape_str(input_shape));
  LayerProbe p;
  p.layer = layer.empty() ? default_layer(model, input_shape) : layer;
  auto lm = LayerModel::of(model, p.layer);
  torch::NoGradGuard no_grad;
  auto acts = lm->forward(torch::full({1, input_shape[1], input_shape[2], input_shape[3]}, 0.5f)).second;
  p.shape = acts.sizes().vec();
  p.grid = grid_of(p.shape, input_shape[2], input_shape[3], reshape, p.layer);
  return p;
}

}  // namespace fass
