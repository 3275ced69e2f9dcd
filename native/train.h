// Seeded supervised training of a TorchScript classifier on an in-memory dataset.
#pragma once
#include <torch/script.h>
#include <torch/torch.h>
#include <functional>
#include <string>

namespace fass {

struct TrainConfig {
  // No values here: the caller passes each (src/cli/train.ts holds the defaults).
  int64_t steps;              // optimiser steps (mini-batches)
  int64_t batch_size;
  double lr;                  // Adam; cosine-decayed to lr/20 over the steps
  double weight_decay = 0.0;
  uint64_t seed;
  std::string device;
};

struct TrainStats {
  int64_t steps = 0;
  int64_t epochs_seen = 0;    // full passes over the data begun
  double final_loss = 0;      // mean cross-entropy of the last 50 steps
};

// step, total steps, running loss
using TrainProgress = std::function<void(int64_t, int64_t, double)>;

// images (N,C,H,W) float in [0,1], labels (N) int64. Samples are drawn as seeded shuffled epochs,
// so the same seed gives the same model for a given thread count.
TrainStats train_classifier(torch::jit::Module& model, const torch::Tensor& images, const torch::Tensor& labels,
                            const TrainConfig& cfg, const TrainProgress& progress);

// Writes the module as TorchScript with the fass card inside (extra file fass.json), via a temporary
// file and a rename, so an interrupted save never leaves a half-written model.
void save_module(torch::jit::Module& model, const std::string& path, const std::string& card_json);

}  // namespace fass
