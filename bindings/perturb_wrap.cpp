#include <napi.h>

namespace fass_js {

void InitPerturb(Napi::Env env, Napi::Object exports) {}

}  // namespace fass_js
