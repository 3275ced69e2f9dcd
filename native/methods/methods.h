// The gradient attribution methods, one per file (SPEC.md section 2). Each takes the batch x
// (N,C,H,W) in pixel space on the model's device, targets (N), parameters by SPEC name, and the
// per-sample generators; it returns maps (and per-sample extras) on the model's device.
#pragma once
#include <torch/torch.h>
#include <map>
#include <string>
#include "gradients.h"
#include "params.h"
#include "sample_rng.h"

namespace fass {

struct AttributionOutput {
  torch::Tensor maps;
  std::map<std::string, torch::Tensor> extras;  // per-sample values, e.g. completeness_gap (N)
};

using GradientMethod = AttributionOutput (*)(GradientRunner&, const torch::Tensor& x, const torch::Tensor& targets,
                                             const Params&, SampleRng&);

AttributionOutput saliency(GradientRunner&, const torch::Tensor&, const torch::Tensor&, const Params&, SampleRng&);
AttributionOutput input_x_gradient(GradientRunner&, const torch::Tensor&, const torch::Tensor&, const Params&, SampleRng&);
AttributionOutput integrated_gradients(GradientRunner&, const torch::Tensor&, const torch::Tensor&, const Params&, SampleRng&);
AttributionOutput smoothgrad(GradientRunner&, const torch::Tensor&, const torch::Tensor&, const Params&, SampleRng&);
AttributionOutput gradient_shap(GradientRunner&, const torch::Tensor&, const torch::Tensor&, const Params&, SampleRng&);
AttributionOutput gradcam(GradientRunner&, const torch::Tensor&, const torch::Tensor&, const Params&, SampleRng&);

// The method of that name; a UserError lists the known ones otherwise.
GradientMethod gradient_method(const std::string& name);

}  // namespace fass
