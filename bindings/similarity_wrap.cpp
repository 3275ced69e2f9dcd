// similarity(a, b, mask, metrics, reduce, threads): per-pair similarity scores of two stacks of
// maps (native/similarity/), in a worker thread. Glue only. Resolves to
// {[key]: {scores: Float64Array, reasons: (string|null)[]}}.
#include <napi.h>
#include "similarity/similarity.h"
#include "tensor_wrap.h"
#include "worker.h"

namespace fass_js {

namespace {

namespace S = fass::similarity;

class SimilarityWorker : public PromiseWorker {
 public:
  SimilarityWorker(Napi::Env env, int threads) : PromiseWorker(env, threads) {}
  torch::Tensor a, b, mask;
  std::vector<S::Metric> metrics;
  S::Reduce reduce = S::Reduce::Sum;

 protected:
  void Run() override { out_ = S::compare(a, b, mask, metrics, reduce); }
  Napi::Value Result(Napi::Env env) override {
    auto r = Napi::Object::New(env);
    for (const auto& s : out_) {
      auto values = Napi::Float64Array::New(env, s.values.size());
      std::copy(s.values.begin(), s.values.end(), values.Data());
      auto reasons = Napi::Array::New(env, s.reasons.size());
      for (size_t i = 0; i < s.reasons.size(); ++i)
        reasons.Set(static_cast<uint32_t>(i), s.reasons[i].empty() ? env.Null() : Napi::String::New(env, s.reasons[i]));
      auto o = Napi::Object::New(env);
      o.Set("scores", values);
      o.Set("reasons", reasons);
      r.Set(s.key, o);
    }
    return r;
  }

 private:
  std::vector<S::Scores> out_;
};

S::Metric metric_of(Napi::Env env, const Napi::Value& v, uint32_t i) {
  const std::string where = "similarity: metrics[" + std::to_string(i) + "]";
  if (!v.IsObject()) throw Napi::TypeError::New(env, where + " must be an object {name, ...options}");
  auto o = v.As<Napi::Object>();
  S::Metric m;
  auto text = [&](const char* k) -> std::string {
    auto x = o.Get(k);
    if (x.IsUndefined() || x.IsNull()) return "";
    if (!x.IsString()) throw Napi::TypeError::New(env, where + "." + k + " must be a string");
    return x.As<Napi::String>().Utf8Value();
  };
  auto number = [&](const char* k, double fallback) -> double {
    auto x = o.Get(k);
    if (x.IsUndefined() || x.IsNull()) return fallback;
    if (!x.IsNumber()) throw Napi::TypeError::New(env, where + "." + k + " must be a number");
    return x.As<Napi::Number>().DoubleValue();
  };
  auto flag = [&](const char* k) -> bool {
    auto x = o.Get(k);
    if (x.IsUndefined() || x.IsNull()) return false;
    if (!x.IsBoolean()) throw Napi::TypeError::New(env, where + "." + k + " must be a boolean");
    return x.As<Napi::Boolean>().Value();
  };
  m.name = text("name");
  m.key = text("key");
  const auto window = text("window");
  if (window == "uniform") m.window = S::Window::Uniform;
  else if (!window.empty() && window != "gaussian") throw Napi::TypeError::New(env, where + ".window must be 'gaussian' or 'uniform', got '" + window + "'");
  m.abs = flag("abs");
  m.signed_topk = flag("signed");
  m.frac = number("frac", 0.1);
  const double k = number("k", 0);
  if (k != static_cast<double>(static_cast<int64_t>(k))) throw Napi::TypeError::New(env, where + ".k must be an integer");
  m.k = static_cast<int64_t>(k);
  return m;
}

Napi::Value Similarity(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (info.Length() < 4 || !info[3].IsArray()) throw Napi::TypeError::New(env, "similarity(a, b, mask, metrics, reduce?, threads?)");
  const int threads = info.Length() > 5 && info[5].IsNumber() ? info[5].As<Napi::Number>().Int32Value() : 0;
  auto* w = new SimilarityWorker(env, threads);
  try {
    w->a = TensorWrap::FromValue(info[0], "a");
    w->b = TensorWrap::FromValue(info[1], "b");
    if (!info[2].IsNull() && !info[2].IsUndefined()) w->mask = TensorWrap::FromValue(info[2], "mask");
    auto list = info[3].As<Napi::Array>();
    for (uint32_t i = 0; i < list.Length(); ++i) w->metrics.push_back(metric_of(env, list.Get(i), i));
    if (info.Length() > 4 && info[4].IsString()) {
      const std::string r = info[4].As<Napi::String>().Utf8Value();
      w->reduce = guard(env, [&] { return S::parse_reduce(r); });
    }
    guard(env, [&] {
      for (auto& m : w->metrics) m = S::checked(m);
      return 0;
    });
  } catch (...) {
    delete w;
    throw;
  }
  w->Queue();
  return w->Promise();
}

}  // namespace

void InitSimilarity(Napi::Env env, Napi::Object exports) {
  exports.Set("similarity", Napi::Function::New(env, Similarity, "similarity"));
}

}  // namespace fass_js
