// attribute(model, method, x, targets, seeds, params, internalBatch, threads): one gradient method
// on a batch, in a worker thread. defaultLayer(model): Grad-CAM's default layer. Glue only.
#include <napi.h>
#include "layer_capture.h"
#include "methods/methods.h"
#include "model_wrap.h"
#include "tensor_wrap.h"
#include "worker.h"

namespace fass_js {

namespace {

// JS values by name: numbers and booleans, strings, Tensors, arrays of numbers (as float32 tensors).
fass::Params to_params(const Napi::Object& o) {
  fass::Params p;
  auto keys = o.GetPropertyNames();
  for (uint32_t i = 0; i < keys.Length(); ++i) {
    const std::string k = keys.Get(i).As<Napi::String>();
    const auto v = o.Get(k);
    if (v.IsNumber()) p.num[k] = v.As<Napi::Number>().DoubleValue();
    else if (v.IsBoolean()) p.num[k] = v.As<Napi::Boolean>().Value() ? 1 : 0;
    else if (v.IsString()) p.str[k] = v.As<Napi::String>().Utf8Value();
    else if (v.IsArray()) {
      auto a = v.As<Napi::Array>();
      std::vector<float> vals;
      for (uint32_t j = 0; j < a.Length(); ++j) vals.push_back(a.Get(j).As<Napi::Number>().FloatValue());
      p.tensors[k] = torch::tensor(vals);
    } else if (v.IsObject() && v.As<Napi::Object>().Has("toTypedArray")) {
      p.tensors[k] = TensorWrap::FromValue(v, k.c_str());
    }
  }
  return p;
}

class AttributeWorker : public PromiseWorker {
 public:
  AttributeWorker(Napi::Env env, int threads) : PromiseWorker(env, threads) {}
  std::shared_ptr<fass::ScriptModel> model;
  std::string method;
  torch::Tensor x, targets, seeds;
  fass::Params params;
  int64_t internal_batch = 0;

 protected:
  void Run() override {
    auto fn = fass::gradient_method(method);
    if (internal_batch <= 0) internal_batch = fass::default_internal_batch(*model, x);
    fass::GradientRunner runner(*model, internal_batch, x);
    fass::SampleRng rng(seeds);
    const auto dev = model->device();
    out_ = fn(runner, x.to(dev, torch::kFloat32), targets.to(dev, torch::kInt64), params, rng);
    out_.maps = out_.maps.to(torch::kCPU).contiguous();
    for (auto& e : out_.extras) e.second = e.second.to(torch::kCPU).contiguous();
    passes_ = runner.passes();
    internal_batch = runner.internal_batch();
  }
  Napi::Value Result(Napi::Env env) override {
    auto r = Napi::Object::New(env);
    r.Set("maps", TensorWrap::New(env, out_.maps));
    auto extras = Napi::Object::New(env);
    for (auto& e : out_.extras) extras.Set(e.first, TensorWrap::New(env, e.second));
    r.Set("extras", extras);
    r.Set("forward", Napi::Number::New(env, static_cast<double>(passes_.forward)));
    r.Set("backward", Napi::Number::New(env, static_cast<double>(passes_.backward)));
    r.Set("internalBatch", Napi::Number::New(env, static_cast<double>(internal_batch)));
    return r;
  }

 private:
  fass::AttributionOutput out_;
  fass::Passes passes_;
};

std::shared_ptr<fass::ScriptModel> model_of(const Napi::Value& v) {
  if (!v.IsObject() || !v.As<Napi::Object>().InstanceOf(ModelWrap::constructor->Value()))
    throw Napi::TypeError::New(v.Env(), "expected a native ScriptModel");
  return Napi::ObjectWrap<ModelWrap>::Unwrap(v.As<Napi::Object>())->model;
}

Napi::Value Attribute(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (info.Length() < 6 || !info[1].IsString() || !info[5].IsObject())
    throw Napi::TypeError::New(env, "attribute(model, method, x, targets, seeds, params, internalBatch?, threads?)");
  auto* w = new AttributeWorker(env, info.Length() > 7 && info[7].IsNumber() ? info[7].As<Napi::Number>().Int32Value() : 0);
  w->model = model_of(info[0]);
  w->method = info[1].As<Napi::String>();
  w->x = TensorWrap::FromValue(info[2], "x");
  w->targets = TensorWrap::FromValue(info[3], "targets");
  w->seeds = TensorWrap::FromValue(info[4], "seeds");
  w->params = to_params(info[5].As<Napi::Object>());
  if (info.Length() > 6 && info[6].IsNumber()) w->internal_batch = info[6].As<Napi::Number>().Int64Value();
  w->Queue();
  return w->Promise();
}

// probeLayer(model, layer, reshape, inputShape): {layer, shape, layout}, layer "" for the default.
Napi::Value ProbeLayer(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (info.Length() < 4 || !info[1].IsString() || !info[2].IsString() || !info[3].IsArray())
    throw Napi::TypeError::New(env, "probeLayer(model, layer, reshape, inputShape)");
  auto model = model_of(info[0]);
  std::vector<int64_t> shape;
  auto arr = info[3].As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); ++i) shape.push_back(arr.Get(i).As<Napi::Number>().Int64Value());
  auto p = guard(env, [&] {
    return fass::probe_layer(*model, info[1].As<Napi::String>(), info[2].As<Napi::String>(), shape);
  });
  auto r = Napi::Object::New(env);
  r.Set("layer", p.layer);
  auto s = Napi::Array::New(env, p.shape.size());
  for (uint32_t i = 0; i < p.shape.size(); ++i) s.Set(i, Napi::Number::New(env, double(p.shape[i])));
  r.Set("shape", s);
  r.Set("layout", fass::layout_name(p.grid.layout));
  return r;
}

}  // namespace

void InitAttribution(Napi::Env env, Napi::Object exports) {
  exports.Set("attribute", Napi::Function::New(env, Attribute));
  exports.Set("probeLayer", Napi::Function::New(env, ProbeLayer));
}

}  // namespace fass_js
