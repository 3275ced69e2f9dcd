#include "module_calls.h"
#include "errors.h"

#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/passes/inliner.h>
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

}  // namespace

InlinedForward::InlinedForward(torch::jit::Module& module)
    : graph_(module.get_method("forward").graph()->copy()), self_(graph_->inputs()[0]) {
  walk(graph_->block()->return_node()->next(), graph_->block()->return_node());
}

void InlinedForward::walk(Node* n, Node* end) {
  while (n != end) {
    Node* next = n->next();
    auto cls = n->kind() == c10::prim::CallMethod ? n->input(0)->type()->cast<c10::ClassType>() : nullptr;
    auto* method = cls ? cls->findMethod(n->s(c10::attr::name)) : nullptr;
    if (!method) {
      for (auto* b : n->blocks()) walk(b->return_node()->next(), b->return_node());
      n = next;
      continue;
    }
    auto path = module_path(n->input(0), self_);
    std::optional<size_t> record;
    if (path && !path->empty() && n->s(c10::attr::name) == "forward") {
      record = calls_.size();
      calls_.push_back({*path, n->inputs().size() > 1 ? n->input(1) : nullptr, nullptr, clock_++, 0});
    }
    Node* before = n->prev();
    Value* returned = n->outputs().size() == 1 ? n->output() : nullptr;
    auto& callee = torch::jit::toGraphFunction(*method);
    // The callee's own graph, one level: its optimized graph is inlined all the way down already
    // and has lost the calls we record.
    auto outs = torch::jit::inlineCallTo(n, &callee, callee.graph().get());
    if (returned && outs.size() == 1) replaced(returned, outs[0]);
    if (record) calls_[*record].output = outs.size() == 1 ? outs[0] : nullptr;
    walk(before->next(), next);  // the inlined body, whose own calls are inlined in turn
    if (record) calls_[*record].finish = clock_++;
    n = next;
  }
}

void InlinedForward::replaced(Value* before, Value* after) {
  for (auto& c : calls_) {
    if (c.output == before) c.output = after;
    if (c.input == before) c.input = after;
  }
}

const ModuleCall* InlinedForward::last_call(const std::string& path) const {
  const ModuleCall* last = nullptr;
  for (const auto& c : calls_)
    if (c.path == path && (!last || c.start > last->start)) last = &c;
  return last;
}

Value* InlinedForward::hoist(Value* v) {
  const auto optional = c10::OptionalType::ofTensor();
  while (v->node()->owningBlock() != graph_->block()) {
    auto* b = v->node()->owningBlock();
    Node* owner = b->owningNode();
    if (owner->kind() == c10::prim::If) {
      for (auto* branch : owner->blocks()) {
        if (branch == b) {
          branch->registerOutput(v);
        } else {
          torch::jit::WithInsertPoint at(branch->return_node());
          branch->registerOutput(graph_->insertConstant(c10::IValue()));
        }
      }
    } else if (owner->kind() == c10::prim::Loop) {
      // A loop-carried value, None before the first iteration: after the loop it holds the last
      // iteration's (the call a hook would have kept).
      torch::jit::WithInsertPoint at(owner);
      owner->addInput(graph_->insertConstant(c10::IValue()));
      b->addInput()->setType(optional);
      b->registerOutput(v);
    } else {
      throw UserError("a layer called inside a '" + std::string(owner->kind().toQualString()) +
                      "' block of the forward cannot be reached; choose another layer");
    }
    v = owner->addOutput()->setType(optional);
  }
  return v;
}

void InlinedForward::add_outputs(const std::vector<Value*>& extra) {
  std::vector<Value*> all{graph_->outputs()[0]};
  all.insert(all.end(), extra.begin(), extra.end());
  Node* tuple = graph_->createTuple(all);
  graph_->insertNode(tuple);
  graph_->eraseOutput(0);
  graph_->registerOutput(tuple->output());
}

}  // namespace fass
