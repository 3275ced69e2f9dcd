// Similarity of two stacks of attribution maps, pair by pair, over a valid mask (SPEC.md section 5):
// ssim, spearman, topk_jaccard, pearson, cosine, l2 and the fass composite. One call scores every
// pair of a batch; the work is spread over LibTorch's intra-op threads, one pair per task.
//
// A degenerate pair (constant map for a correlation, empty valid region, non-finite values, ...)
// scores NaN and carries a reason; a valid pair's reason is empty. Nothing is silently 0.
#pragma once
#include <torch/torch.h>
#include <string>
#include <vector>

namespace fass::similarity {

// SPEC.md section 1: how (N,C,H,W) maps become (N,H',W). `None` stacks the C channels as rows,
// (N, C*H, W).
enum class Reduce { Sum, AbsSum, Mean, L2, None };
Reduce parse_reduce(const std::string& name);  // "sum", "abs-sum", "mean", "l2", "none"

enum class Window { Gaussian, Uniform };

struct Metric {
  std::string name;  // ssim | spearman | topk_jaccard | pearson | cosine | l2 | fass
  std::string key;   // the name of its result (default: name)
  Window window = Window::Gaussian;  // ssim and fass
  bool abs = false;                  // spearman and fass: ranks of |a|, |b|
  bool signed_topk = false;          // topk_jaccard and fass: largest values instead of largest |values|
  double frac = 0.1;                 // topk_jaccard and fass: k = max(1, floor(frac * valid pixels))
  int64_t k = 0;                     // > 0: a fixed k (capped at the valid pixel count)
};

struct Scores {
  std::string key;
  std::vector<double> values;        // one per pair; NaN where degenerate
  std::vector<std::string> reasons;  // one per pair; empty where the score is valid
};

// a, b: (N,C,H,W) or (N,H,W) of the same shape, any floating dtype, any device (scored on the
// CPU). mask: undefined (all valid) or (N,H,W) / (N,1,H,W) (also (N,C,H,W) with Reduce::None),
// bool or numeric, nonzero = valid. Throws ShapeError / UserError for bad shapes and options.
std::vector<Scores> compare(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& mask,
                            const std::vector<Metric>& metrics, Reduce reduce);

// Checks a metric's name and options (a UserError names the bad value); fills in the key.
Metric checked(Metric m);

}  // namespace fass::similarity
