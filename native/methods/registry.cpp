#include "methods.h"
#include "errors.h"

namespace fass {

GradientMethod gradient_method(const std::string& name) {
  static const std::map<std::string, GradientMethod> methods = {
      {"saliency", saliency},          {"input_x_gradient", input_x_gradient},
      {"integrated_gradients", integrated_gradients}, {"smoothgrad", smoothgrad},
      {"gradient_shap", gradient_shap}, {"gradcam", gradcam},
  };
  auto it = methods.find(name);
  if (it != methods.end()) return it->second;
  std::string known;
  for (const auto& m : methods) known += (known.empty() ? "" : ", ") + m.first;
  throw UserError("unknown gradient method '" + name + "': expected one of " + known);
}

}  // namespace fass
