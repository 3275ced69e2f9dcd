// Deletion and insertion (Petsiuk et al. 2018; SPEC.md section 8): pixels in descending order of a
// channel-reduced map, removed (set to 0, deletion) or revealed over a blurred copy (insertion)
// `step` pixels at a time; the softmax probability of the target after each step, and the
// trapezoid area under that curve over [0, 1].
#pragma once
#include <torch/torch.h>
#include <string>
#include "script_model.h"

namespace fass::faithfulness {

enum class Kind { Deletion, Insertion };
Kind parse_kind(const std::string& name);  // "deletion" or "insertion"

struct Options {
  Kind kind = Kind::Deletion;
  int64_t step = 0;            // pixels per step; <= 0: H (one row's worth)
  double blur_sigma = 5;       // insertion's start image: Gaussian blur of x
  int64_t blur_kernel = 11;
  int64_t rows_per_call = 0;   // most images per model call; <= 0: about 2^24 values
};

struct Curves {
  torch::Tensor probs;  // (N, K+1) float64: the target's softmax probability at step 0..K
  torch::Tensor auc;    // (N) float64
  int64_t forward = 0;  // images through the model
};

// Pixel order: the rank of each pixel of (N,H,W) scores, 0 for the largest; ties by lower index.
torch::Tensor pixel_ranks(const torch::Tensor& scores);

// The image at step k of each listed (sample, step) row: rows (R,2) int64 of (sample, k).
torch::Tensor step_images(const torch::Tensor& x, const torch::Tensor& start, const torch::Tensor& ranks,
                          const torch::Tensor& rows, int64_t step, Kind kind);

// Trapezoid area under probs (N, K+1) at fractions min(k step, P) / P, k = 0..K.
torch::Tensor auc(const torch::Tensor& probs, int64_t step, int64_t pixels);

// x (N,C,H,W) pixels; scores (N,H,W) the reduced maps; targets (N).
Curves curves(ScriptModel& model, const torch::Tensor& x, const torch::Tensor& scores, const torch::Tensor& targets,
              const Options& o);

// Channel reduction of maps (N,C,H,W) to (N,H,W): sum, abs-sum, mean, l2 (SPEC.md section 1).
torch::Tensor reduce_channels(const torch::Tensor& maps, const std::string& how);

}  // namespace fass::faithfulness
