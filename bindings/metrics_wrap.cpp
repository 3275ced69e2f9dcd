// metrics.neighbours, metrics.robustness, metrics.insertionDeletion: robustness and faithfulness
// metrics (native/metrics/) in worker threads. Glue only. Each resolves to an object of Tensors
// (and pass counts) by name:
//   neighbours(x, seeds, noise, n, scale, fixed|null, threads?)            -> {x}   (N*n,C,H,W)
//   robustness(metric, x, xn, g, gn, logits|null, logitsN|null, keep, threads?)
//                                                                           -> {values (N,n), scores (N)}
//   insertionDeletion(model, kind, x, maps, targets, {reduce, step, blurSigma, blurKernel}, threads?)
//                                                                           -> {probs (N,K+1), auc (N), forward}
#include <napi.h>
#include <functional>
#include <map>
#include "metrics/faithfulness.h"
#include "metrics/robustness.h"
#include "model_wrap.h"
#include "tensor_wrap.h"
#include "worker.h"

namespace fass_js {

namespace {

namespace R = fass::robustness;
namespace F = fass::faithfulness;

using Named = std::map<std::string, torch::Tensor>;

class NamedWorker : public PromiseWorker {
 public:
  NamedWorker(Napi::Env env, int threads, std::function<Named(double&)> fn) : PromiseWorker(env, threads), fn_(std::move(fn)) {}

 protected:
  void Run() override { out_ = fn_(forward_); }
  Napi::Value Result(Napi::Env env) override {
    auto r = Napi::Object::New(env);
    for (auto& kv : out_) r.Set(kv.first, TensorWrap::New(env, kv.second.to(torch::kCPU).contiguous()));
    r.Set("forward", Napi::Number::New(env, forward_));
    return r;
  }

 private:
  std::function<Named(double&)> fn_;
  Named out_;
  double forward_ = 0;
};

Napi::Value queue(Napi::Env env, int threads, std::function<Named(double&)> fn) {
  auto* w = new NamedWorker(env, threads, std::move(fn));
  w->Queue();
  return w->Promise();
}

int threads_at(const Napi::CallbackInfo& info, size_t i) {
  return info.Length() > i && info[i].IsNumber() ? info[i].As<Napi::Number>().Int32Value() : 0;
}

torch::Tensor optional_tensor(const Napi::Value& v, const char* what) {
  if (v.IsNull() || v.IsUndefined()) return torch::Tensor();
  return TensorWrap::FromValue(v, what);
}

std::string text(const Napi::Value& v, const char* what) {
  if (!v.IsString()) throw Napi::TypeError::New(v.Env(), std::string(what) + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

double number(const Napi::Value& v, const char* what) {
  if (!v.IsNumber()) throw Napi::TypeError::New(v.Env(), std::string(what) + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

Napi::Value Neighbours(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (info.Length() < 5) throw Napi::TypeError::New(env, "neighbours(x, seeds, noise, n, scale, fixed?, threads?)");
  auto x = TensorWrap::FromValue(info[0], "x");
  auto seeds = TensorWrap::FromValue(info[1], "seeds");
  const auto kind = guard(env, [&] { return R::parse_noise(text(info[2], "noise")); });
  const auto n = static_cast<int64_t>(number(info[3], "n"));
  const double scale = number(info[4], "scale");
  auto fixed = info.Length() > 5 ? optional_tensor(info[5], "fixed") : torch::Tensor();
  return queue(env, threads_at(info, 6), [=](double&) {
    fass::SampleRng rng(seeds);
    return Named{{"x", R::neighbours(x.to(torch::kFloat32), rng, kind, n, scale, fixed)}};
  });
}

Napi::Value Robustness(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (info.Length() < 8) throw Napi::TypeError::New(env, "robustness(metric, x, xn, g, gn, logits, logitsN, keep, threads?)");
  const auto metric = text(info[0], "metric");
  auto x = TensorWrap::FromValue(info[1], "x"), xn = TensorWrap::FromValue(info[2], "xn");
  auto g = TensorWrap::FromValue(info[3], "g"), gn = TensorWrap::FromValue(info[4], "gn");
  auto logits = optional_tensor(info[5], "logits"), logits_n = optional_tensor(info[6], "logitsN");
  auto keep = TensorWrap::FromValue(info[7], "keep");
  return queue(env, threads_at(info, 8), [=](double&) {
    auto values = R::per_neighbour(metric, x, xn, g, gn, logits, logits_n);
    auto k = keep.reshape(values.sizes());
    return Named{{"values", values}, {"scores", R::reduce(values, k, R::takes_mean(metric))}};
  });
}

Napi::Value InsertionDeletion(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (info.Length() < 6 || !info[5].IsObject())
    throw Napi::TypeError::New(env, "insertionDeletion(model, kind, x, maps, targets, {reduce, step, blurSigma, blurKernel}, threads?)");
  if (!info[0].IsObject() || !info[0].As<Napi::Object>().InstanceOf(ModelWrap::constructor->Value()))
    throw Napi::TypeError::New(env, "insertionDeletion: expected a native ScriptModel");
  auto model = Napi::ObjectWrap<ModelWrap>::Unwrap(info[0].As<Napi::Object>())->model;
  F::Options o;
  o.kind = guard(env, [&] { return F::parse_kind(text(info[1], "kind")); });
  auto x = TensorWrap::FromValue(info[2], "x"), maps = TensorWrap::FromValue(info[3], "maps");
  auto targets = TensorWrap::FromValue(info[4], "targets");
  auto opts = info[5].As<Napi::Object>();
  const std::string reduce = opts.Has("reduce") ? text(opts.Get("reduce"), "reduce") : "sum";
  if (opts.Has("step")) o.step = static_cast<int64_t>(number(opts.Get("step"), "step"));
  if (opts.Has("blurSigma")) o.blur_sigma = number(opts.Get("blurSigma"), "blurSigma");
  if (opts.Has("blurKernel")) o.blur_kernel = static_cast<int64_t>(number(opts.Get("blurKernel"), "blurKernel"));
  if (opts.Has("rowsPerCall")) o.rows_per_call = static_cast<int64_t>(number(opts.Get("rowsPerCall"), "rowsPerCall"));
  return queue(env, threads_at(info, 6), [=](double& forward) {
    auto scores = F::reduce_channels(maps, reduce);
    auto c = F::curves(*model, x, scores, targets, o);
    forward = static_cast<double>(c.forward);
    return Named{{"probs", c.probs}, {"auc", c.auc}};
  });
}

}  // namespace

void InitMetrics(Napi::Env env, Napi::Object exports) {
  auto m = Napi::Object::New(env);
  m.Set("neighbours", Napi::Function::New(env, Neighbours, "neighbours"));
  m.Set("robustness", Napi::Function::New(env, Robustness, "robustness"));
  m.Set("insertionDeletion", Napi::Function::New(env, InsertionDeletion, "insertionDeletion"));
  exports.Set("metrics", m);
}

}  // namespace fass_js
