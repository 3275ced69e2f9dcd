// Input x Gradient (Shrikumar et al. 2016; Captum InputXGradient): x * d f_t / d x.
#include "methods.h"

namespace fass {

AttributionOutput input_x_gradient(GradientRunner& run, const torch::Tensor& x, const torch::Tensor& targets,
                                   const Params&, SampleRng&) {
  auto g = run.grads(x.size(0), [&](int64_t b, int64_t e) { return x.slice(0, b, e); }, targets);
  return {x * g, {}};
}

}  // namespace fass
