#include <napi.h>

namespace fass_js {

void InitSimilarity(Napi::Env env, Napi::Object exports) {}

}  // namespace fass_js
