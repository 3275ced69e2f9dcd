// Model-parameter randomisation (Adebayo et al. 2018, "Sanity checks for saliency maps"), as
// Quantus's ModelParameterRandomisation does it: the layers PyTorch can reset (those with
// reset_parameters: convolutions, linear layers, batch/layer/group/instance norms, embeddings)
// in the module's order, and each one's re-initialisation in place as its reset_parameters does,
// from a seed of the caller's. Batch-norm running statistics are reset with the weights.
#pragma once
#include <cstdint>
#include <string>
#include <vector>
#include "script_model.h"

namespace fass {

struct ResettableLayer {
  std::string name;  // dotted path, as named_modules gives it
  std::string kind;  // the module's class: Conv2d, Linear, BatchNorm2d, ...
};

// In named_modules order (parents before children); the caller reverses it for top-down.
std::vector<ResettableLayer> resettable_layers(ScriptModel& m);

// Re-initialises one layer's parameters (and buffers) in place; values drawn on the CPU from a
// generator seeded with `seed`, so a device gives the same weights. Throws UserError for a name
// that is not a resettable layer.
void reset_layer(ScriptModel& m, const std::string& name, uint64_t seed);

// Copies every parameter and buffer of `src` into `dst` (the same architecture): undoes resets.
void copy_parameters(ScriptModel& dst, ScriptModel& src);

}  // namespace fass
