#include "model_wrap.h"
#include "randomise.h"
#include <cstring>
#include "tensor_wrap.h"
#include "worker.h"

namespace fass_js {

Napi::FunctionReference* ModelWrap::constructor = nullptr;

namespace {

int threads_arg(const Napi::CallbackInfo& info, size_t i) {
  return info.Length() > i && info[i].IsNumber() ? info[i].As<Napi::Number>().Int32Value() : 0;
}

class LoadWorker : public PromiseWorker {
 public:
  LoadWorker(Napi::Env env, std::string path, std::string device, int threads)
      : PromiseWorker(env, threads), path_(std::move(path)), device_(std::move(device)) {}

 protected:
  void Run() override { model_ = std::make_shared<fass::ScriptModel>(path_, device_); }
  Napi::Value Result(Napi::Env env) override {
    auto ext = Napi::External<std::shared_ptr<fass::ScriptModel>>::New(env, &model_);
    return ModelWrap::constructor->New({ext});
  }

 private:
  std::string path_, device_;
  std::shared_ptr<fass::ScriptModel> model_;
};

class PredictWorker : public PromiseWorker {
 public:
  PredictWorker(Napi::Env env, std::shared_ptr<fass::ScriptModel> model, torch::Tensor x, int threads)
      : PromiseWorker(env, threads), model_(std::move(model)), x_(std::move(x)) {}

 protected:
  void Run() override { logits_ = model_->predict(x_); }
  Napi::Value Result(Napi::Env env) override { return TensorWrap::New(env, logits_); }

 private:
  std::shared_ptr<fass::ScriptModel> model_;
  torch::Tensor x_, logits_;
};

Napi::Value LoadScriptModel(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsString())
    throw Napi::TypeError::New(env, "loadScriptModel(path, device, threads?)");
  auto* w = new LoadWorker(env, info[0].As<Napi::String>(), info[1].As<Napi::String>(), threads_arg(info, 2));
  w->Queue();
  return w->Promise();
}

}  // namespace

void ModelWrap::Init(Napi::Env env, Napi::Object exports) {
  auto cls = DefineClass(env, "ScriptModel",
                         {InstanceMethod<&ModelWrap::Predict>("predict"),
                          InstanceMethod<&ModelWrap::Submodules>("submodules"),
                          InstanceMethod<&ModelWrap::SetNormalisation>("setNormalisation"),
                          InstanceMethod<&ModelWrap::Parameters>("parameters"),
                          InstanceMethod<&ModelWrap::SetPrecision>("setPrecision"),
                          InstanceMethod<&ModelWrap::SetMemoryBudget>("setMemoryBudget"),
                          InstanceMethod<&ModelWrap::ResettableLayers>("resettableLayers"),
                          InstanceMethod<&ModelWrap::ResetLayer>("resetLayer"),
                          InstanceMethod<&ModelWrap::CopyParametersFrom>("copyParametersFrom"),
                          InstanceAccessor<&ModelWrap::Precision>("precision"),
                          InstanceAccessor<&ModelWrap::Card>("card"), InstanceAccessor<&ModelWrap::Device>("device"),
                          InstanceAccessor<&ModelWrap::FirstConvInChannels>("firstConvInChannels"),
                          InstanceAccessor<&ModelWrap::FastMaxPools>("fastMaxPools")});
  constructor = new Napi::FunctionReference(Napi::Persistent(cls));
  exports.Set("ScriptModel", cls);
  exports.Set("loadScriptModel", Napi::Function::New(env, LoadScriptModel));
}

ModelWrap::ModelWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ModelWrap>(info) {
  if (info.Length() != 1 || !info[0].IsExternal())
    throw Napi::TypeError::New(info.Env(), "ScriptModel is made by loadScriptModel(path, device)");
  model = *info[0].As<Napi::External<std::shared_ptr<fass::ScriptModel>>>().Data();
}

Napi::Value ModelWrap::Predict(const Napi::CallbackInfo& info) {
  auto& x = TensorWrap::FromValue(info[0], "predict(x)");
  auto* w = new PredictWorker(info.Env(), model, x, threads_arg(info, 1));
  w->Queue();
  return w->Promise();
}

Napi::Value ModelWrap::Submodules(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const auto names = model->submodules();
  auto arr = Napi::Array::New(env, names.size());
  for (size_t i = 0; i < names.size(); ++i) arr.Set(static_cast<uint32_t>(i), names[i]);
  return arr;
}

Napi::Value ModelWrap::Card(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), model->card()); }
Napi::Value ModelWrap::FastMaxPools(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), model->fast_max_pools()); }

Napi::Value ModelWrap::Device(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), model->device().str());
}

Napi::Value ModelWrap::FirstConvInChannels(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(model->first_conv_in_channels()));
}

// [{name, kind}] of the layers model randomisation resets, in the module's order (randomise.h).
Napi::Value ModelWrap::ResettableLayers(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  std::vector<fass::ResettableLayer> layers;
  guard(env, [&] { layers = fass::resettable_layers(*model); });
  auto arr = Napi::Array::New(env, layers.size());
  for (size_t i = 0; i < layers.size(); ++i) {
    auto o = Napi::Object::New(env);
    o.Set("name", layers[i].name);
    o.Set("kind", layers[i].kind);
    arr.Set(static_cast<uint32_t>(i), o);
  }
  return arr;
}

// resetLayer(name, seed): that layer re-initialised in place. Synchronous: it only draws weights.
void ModelWrap::ResetLayer(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsNumber()) throw Napi::TypeError::New(env, "resetLayer(name, seed)");
  const auto name = info[0].As<Napi::String>().Utf8Value();
  const auto seed = static_cast<uint64_t>(info[1].As<Napi::Number>().Int64Value());
  guard(env, [&] { fass::reset_layer(*model, name, seed); });
}

// copyParametersFrom(other): every parameter and buffer of another handle on the same architecture.
void ModelWrap::CopyParametersFrom(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject() || !info[0].As<Napi::Object>().InstanceOf(constructor->Value()))
    throw Napi::TypeError::New(env, "copyParametersFrom(model): expected a native ScriptModel");
  auto src = Napi::ObjectWrap<ModelWrap>::Unwrap(info[0].As<Napi::Object>())->model;
  guard(env, [&] { fass::copy_parameters(*model, *src); });
}

// [{name, shape, data: Float32Array}] in the module's order. Synchronous: meant for small models.
Napi::Value ModelWrap::Parameters(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  std::vector<std::pair<std::string, torch::Tensor>> params;
  guard(env, [&] { params = model->named_parameters(); });
  auto arr = Napi::Array::New(env, params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    const auto& [name, t] = params[i];
    auto data = Napi::Float32Array::New(env, static_cast<size_t>(t.numel()));
    std::memcpy(data.Data(), t.data_ptr<float>(), sizeof(float) * t.numel());
    auto shape = Napi::Array::New(env, t.dim());
    for (int64_t d = 0; d < t.dim(); ++d) shape.Set(static_cast<uint32_t>(d), static_cast<double>(t.size(d)));
    auto o = Napi::Object::New(env);
    o.Set("name", name);
    o.Set("shape", shape);
    o.Set("data", data);
    arr.Set(static_cast<uint32_t>(i), o);
  }
  return arr;
}

void ModelWrap::SetNormalisation(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto read = [&](size_t i) {
    std::vector<float> v;
    if (info.Length() <= i || !info[i].IsArray()) return v;
    auto a = info[i].As<Napi::Array>();
    for (uint32_t k = 0; k < a.Length(); ++k) v.push_back(a.Get(k).As<Napi::Number>().FloatValue());
    return v;
  };
  auto mean = read(0), std = read(1);
  if (mean.size() != std.size()) throw Napi::RangeError::New(env, "setNormalisation: mean and std differ in length");
  guard(env, [&] { model->set_normalisation(mean, std); });
}

void ModelWrap::SetPrecision(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "setPrecision('fp32' | 'bf16')");
  const std::string name = info[0].As<Napi::String>();
  guard(env, [&] { model->set_precision(fass::parse_precision(name)); });
}

void ModelWrap::SetMemoryBudget(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(info.Env(), "setMemoryBudget(bytes)");
  model->set_memory_budget(info[0].As<Napi::Number>().Int64Value());
}

Napi::Value ModelWrap::Precision(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), fass::precision_name(model->precision()));
}

}  // namespace fass_js
