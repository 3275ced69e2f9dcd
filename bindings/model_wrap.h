// ScriptModel: JS handle on an engine ScriptModel. Loading and predict run in worker threads.
#pragma once
#include <napi.h>
#include <memory>
#include "script_model.h"

namespace fass_js {

class ModelWrap : public Napi::ObjectWrap<ModelWrap> {
 public:
  static void Init(Napi::Env env, Napi::Object exports);
  explicit ModelWrap(const Napi::CallbackInfo& info);
  static Napi::FunctionReference* constructor;
  std::shared_ptr<fass::ScriptModel> model;

 private:
  Napi::Value Predict(const Napi::CallbackInfo& info);
  Napi::Value Submodules(const Napi::CallbackInfo& info);
  Napi::Value Card(const Napi::CallbackInfo& info);
  Napi::Value FastMaxPools(const Napi::CallbackInfo& info);
  Napi::Value Device(const Napi::CallbackInfo& info);
  Napi::Value FirstConvInChannels(const Napi::CallbackInfo& info);
  Napi::Value Parameters(const Napi::CallbackInfo& info);
  void SetNormalisation(const Napi::CallbackInfo& info);
  void SetPrecision(const Napi::CallbackInfo& info);
  void SetMemoryBudget(const Napi::CallbackInfo& info);
  Napi::Value Precision(const Napi::CallbackInfo& info);
  Napi::Value ResettableLayers(const Napi::CallbackInfo& info);
  void ResetLayer(const Napi::CallbackInfo& info);
  void CopyParametersFrom(const Napi::CallbackInfo& info);
};

}  // namespace fass_js
