// A TorchScript module's forward with every method call inlined, and where each submodule call's
// input and output now live in it. Scripted and traced modules take no forward hooks; this is how
// fass reaches any layer's activation instead: scripted models call their children through helper
// methods (`self._forward_impl(x)`), through methods of submodules (`self.bn_function(...)`) and
// inside loops and branches, traced ones through `forward` alone. Inlining every call, one level
// at a time from the callee's own (un-optimised) graph, reaches them all alike.
#pragma once
#include <torch/script.h>
#include <torch/csrc/jit/ir/ir.h>
#include <memory>
#include <string>
#include <vector>

namespace fass {

struct ModuleCall {
  std::string path;                           // dotted module path ("layer4.0.conv2")
  torch::jit::Value* input = nullptr;         // the call's first argument, if any
  torch::jit::Value* output = nullptr;        // what the call returned, as a value of the inlined graph
  int start = 0, finish = 0;                  // call order: the call encloses the calls started between
};

class InlinedForward {
 public:
  explicit InlinedForward(torch::jit::Module& module);

  std::shared_ptr<torch::jit::Graph> graph() const { return graph_; }
  // Every call of a submodule's forward, in the order the calls start.
  const std::vector<ModuleCall>& calls() const { return calls_; }
  // The last call of the module at `path` (the one whose output a hook would keep), or null.
  const ModuleCall* last_call(const std::string& path) const;
  // v as a value of the graph's top block: a value made inside a loop or branch is carried out
  // of it as Optional[Tensor] (None when the loop or branch did not make it on this input).
  torch::jit::Value* hoist(torch::jit::Value* v);
  // Replaces the graph's output by the tuple (output, extra...).
  void add_outputs(const std::vector<torch::jit::Value*>& extra);

 private:
  void walk(torch::jit::Node* n, torch::jit::Node* end);
  void replaced(torch::jit::Value* before, torch::jit::Value* after);

  std::shared_ptr<torch::jit::Graph> graph_;
  torch::jit::Value* self_;
  std::vector<ModuleCall> calls_;
  int clock_ = 0;
};

}  // namespace fass
