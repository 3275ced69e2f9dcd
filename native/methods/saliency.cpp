// Saliency (Simonyan et al. 2014; Captum Saliency): d f_t / d x, absolute by default.
#include "methods.h"

namespace fass {

AttributionOutput saliency(GradientRunner& run, const torch::Tensor& x, const torch::Tensor& targets, const Params& p,
                           SampleRng&) {
  auto g = run.grads(x.size(0), [&](int64_t b, int64_t e) { return x.slice(0, b, e); }, targets);
  return {p.flag("abs") ? g.abs() : g, {}};
}

}  // namespace fass
