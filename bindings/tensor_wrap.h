// Tensor: a JS handle on a LibTorch tensor. Its memory stays native (and on its device) until
// read back; dispose() frees it at once, garbage collection frees it otherwise.
#pragma once
#include <napi.h>
#include <torch/torch.h>

namespace fass_js {

class TensorWrap : public Napi::ObjectWrap<TensorWrap> {
 public:
  static void Init(Napi::Env env, Napi::Object exports);
  static Napi::Object New(Napi::Env env, torch::Tensor t);
  // The tensor behind a JS Tensor argument; throws a TypeError naming `what` otherwise.
  static torch::Tensor& FromValue(const Napi::Value& v, const char* what);

  explicit TensorWrap(const Napi::CallbackInfo& info);
  torch::Tensor tensor;

 private:
  static Napi::FunctionReference* constructor;
  Napi::Value Shape(const Napi::CallbackInfo& info);
  Napi::Value Dtype(const Napi::CallbackInfo& info);
  Napi::Value Device(const Napi::CallbackInfo& info);
  Napi::Value Disposed(const Napi::CallbackInfo& info);
  Napi::Value ToTypedArray(const Napi::CallbackInfo& info);
  Napi::Value To(const Napi::CallbackInfo& info);
  void Dispose(const Napi::CallbackInfo& info);
};

}  // namespace fass_js
