// Baselines x0 for path methods (IG, GradientSHAP), in pixel space, shaped like x.
#pragma once
#include <torch/torch.h>
#include <string>
#include "params.h"
#include "sample_rng.h"

namespace fass {

// kind: black (0); mean (the dataset's mean colour, params tensor "mean_colour" (C)); blur (x
// blurred, sigma "baseline_sigma", default 5 px); uniform (U(0,1) per pixel); gaussian (x + N(0,
// sigma^2), sigma "baseline_sigma" default 0.25, clamped to [0,1]); file (params tensor
// "baseline_image": (C,H,W) or (N,C,H,W)). Random kinds draw from each sample's generator.
torch::Tensor make_baseline(const std::string& kind, const torch::Tensor& x, const Params& p, SampleRng& rng);

extern const char* const kBaselineKinds;

}  // namespace fass
