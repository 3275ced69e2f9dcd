// Kernels for the black-box methods (occlusion, lime, kernel_shap, rise): masks, composition,
// upsampling, weighted least squares, SLIC. Glue only; the math lives in native/kernels/.
// Every call runs in a worker thread and returns a promise.
#include <napi.h>
#include <functional>
#include "kernels/masks.h"
#include "kernels/rise.h"
#include "kernels/segments.h"
#include "kernels/wls.h"
#include "tensor_wrap.h"
#include "worker.h"

namespace fass_js {

namespace {

namespace K = fass::kernels;

// What a kernel call resolves to: one Tensor, or an object of named tensors and numbers.
struct Output {
  torch::Tensor tensor;  // resolved alone when nothing is named
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  std::vector<std::pair<std::string, double>> numbers;
  std::vector<std::pair<std::string, std::vector<int64_t>>> lists;
};

class TaskWorker : public PromiseWorker {
 public:
  TaskWorker(Napi::Env env, std::function<Output()> fn) : PromiseWorker(env, 0), fn_(std::move(fn)) {}
  // Keeps a JavaScript object (memory the task writes into) alive until the task has ended.
  void hold(const Napi::Object& o) { held_ = Napi::Persistent(o); }

 protected:
  void Run() override { out_ = fn_(); }
  Napi::Value Result(Napi::Env env) override {
    if (out_.tensor.defined()) return TensorWrap::New(env, out_.tensor);
    auto o = Napi::Object::New(env);
    for (auto& [k, t] : out_.tensors) o.Set(k, TensorWrap::New(env, t));
    for (auto& [k, v] : out_.numbers) o.Set(k, Napi::Number::New(env, v));
    for (auto& [k, list] : out_.lists) {
      auto a = Napi::Array::New(env, list.size());
      for (size_t i = 0; i < list.size(); ++i) a.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(list[i])));
      o.Set(k, a);
    }
    return o;
  }

 private:
  std::function<Output()> fn_;
  Output out_;
  Napi::ObjectReference held_;
};

Napi::Value queue(Napi::Env env, std::function<Output()> fn, const Napi::Object* hold = nullptr) {
  auto* w = new TaskWorker(env, std::move(fn));
  if (hold) w->hold(*hold);
  w->Queue();
  return w->Promise();
}

Output one(torch::Tensor t) {
  Output o;
  o.tensor = std::move(t);
  return o;
}

// Argument readers: a wrong type is a TypeError naming the call and the argument.
double num(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info.Length() <= i || !info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}
int64_t integer(const Napi::CallbackInfo& info, size_t i, const char* what) {
  const double v = num(info, i, what);
  if (v != static_cast<double>(static_cast<int64_t>(v))) throw Napi::TypeError::New(info.Env(), std::string(what) + " must be an integer");
  return static_cast<int64_t>(v);
}
torch::Tensor tensor(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info.Length() <= i) throw Napi::TypeError::New(info.Env(), std::string(what) + " is missing");
  return TensorWrap::FromValue(info[i], what);
}
// A (N,H,W) batch of labels and a sample index, or one (H,W) segmentation.
torch::Tensor labels_of(const Napi::CallbackInfo& info, size_t i, const char* what) {
  auto l = tensor(info, i, what);
  if (l.dim() == 3) return l[integer(info, i + 1, "sample")];
  return l;
}

Napi::Value OcclusionMasks(const Napi::CallbackInfo& info) {
  const auto h = integer(info, 0, "h"), w = integer(info, 1, "w"), wh = integer(info, 2, "windowH"),
             ww = integer(info, 3, "windowW"), sh = integer(info, 4, "strideH"), sw = integer(info, 5, "strideW");
  return queue(info.Env(), [=] { return one(K::occlusion_masks(h, w, wh, ww, sh, sw)); });
}

Napi::Value OcclusionAverage(const Napi::CallbackInfo& info) {
  auto scores = tensor(info, 0, "scores"), masks = tensor(info, 1, "masks");
  return queue(info.Env(), [=] { return one(K::occlusion_average(scores, masks)); });
}

// composeMasked's and composeMaskedInto's first six arguments, as K::compose takes them.
std::function<torch::Tensor(const torch::Tensor&)> compose_call(const Napi::CallbackInfo& info) {
  auto images = tensor(info, 0, "images");
  const auto sample = integer(info, 1, "sample");
  auto keep = tensor(info, 2, "keep");
  const auto start = integer(info, 3, "start"), end = integer(info, 4, "end");
  auto baseline = tensor(info, 5, "baseline");
  return [=](const torch::Tensor& into) { return K::compose(images, sample, keep, start, end, baseline, into); };
}

Napi::Value ComposeMasked(const Napi::CallbackInfo& info) {
  auto compose = compose_call(info);
  return queue(info.Env(), [=] { return one(compose({})); });
}

// composeMaskedInto(..., out): the rows written into the Float32Array `out` (resolves to nothing),
// so that a model that takes JavaScript memory gets them without a copy or a new allocation.
// `out` must not be touched until the promise settles.
Napi::Value ComposeMaskedInto(const Napi::CallbackInfo& info) {
  auto compose = compose_call(info);
  if (info.Length() <= 6 || !info[6].IsTypedArray() || info[6].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw Napi::TypeError::New(info.Env(), "composeMaskedInto: out must be a Float32Array");
  auto out = info[6].As<Napi::Float32Array>();
  auto into = torch::from_blob(out.Data(), {static_cast<int64_t>(out.ElementLength())}, torch::kFloat32);
  const auto held = info[6].As<Napi::Object>();
  return queue(info.Env(), [=] { compose(into); return Output{}; }, &held);
}

Napi::Value AccumulateMasks(const Napi::CallbackInfo& info) {
  torch::Tensor acc;
  if (info.Length() > 0 && !info[0].IsNull() && !info[0].IsUndefined()) acc = tensor(info, 0, "acc");
  auto scores = tensor(info, 1, "scores"), masks = tensor(info, 2, "masks");
  return queue(info.Env(), [=] { return one(K::accumulate_masks(acc, scores, masks)); });
}

Napi::Value GridSegments(const Napi::CallbackInfo& info) {
  const auto h = integer(info, 0, "h"), w = integer(info, 1, "w"), k = integer(info, 2, "k");
  return queue(info.Env(), [=] { return one(K::grid_segments(h, w, k)); });
}

Napi::Value Slic(const Napi::CallbackInfo& info) {
  auto x = tensor(info, 0, "x");
  K::SlicOptions o;
  o.n_segments = integer(info, 1, "nSegments");
  o.compactness = num(info, 2, "compactness");
  if (info.Length() > 3 && info[3].IsNumber()) o.max_iter = integer(info, 3, "maxIter");
  // Images [start, end) of x only (default: all), read in place.
  const int64_t n = x.dim() > 0 ? x.size(0) : 0;
  const int64_t start = info.Length() > 4 && info[4].IsNumber() ? integer(info, 4, "start") : 0;
  const int64_t end = info.Length() > 5 && info[5].IsNumber() ? integer(info, 5, "end") : n;
  if (start < 0 || start >= end || end > n)
    throw Napi::RangeError::New(info.Env(), "slic: rows [" + std::to_string(start) + ", " + std::to_string(end) + ") of " + std::to_string(n) + " images");
  return queue(info.Env(), [=] {
    Output out;
    std::vector<int64_t> segments;
    out.tensors.emplace_back("labels", K::slic(x.narrow(0, start, end - start), o, segments));
    out.lists.emplace_back("segments", segments);
    return out;
  });
}

Napi::Value SegmentMasks(const Napi::CallbackInfo& info) {
  auto labels = labels_of(info, 0, "labels");
  auto z = tensor(info, 2, "z");
  const auto start = integer(info, 3, "start"), end = integer(info, 4, "end");
  return queue(info.Env(), [=] { return one(K::segment_masks(labels, z, start, end)); });
}

Napi::Value SegmentValues(const Napi::CallbackInfo& info) {
  auto labels = labels_of(info, 0, "labels");
  auto values = tensor(info, 2, "values");
  return queue(info.Env(), [=] { return one(K::segment_values(labels, values)); });
}

Napi::Value BinarySamples(const Napi::CallbackInfo& info) {
  const auto seed = static_cast<uint64_t>(integer(info, 0, "seed"));
  const auto draws = integer(info, 1, "draws"), m = integer(info, 2, "m");
  const double p = num(info, 3, "p");
  std::vector<int> head;
  if (info.Length() > 4 && info[4].IsArray()) {
    auto a = info[4].As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); ++i) head.push_back(a.Get(i).ToNumber().Int32Value());
  }
  return queue(info.Env(), [=] { return one(K::binary_samples(seed, draws, m, p, head)); });
}

Output fit_output(const K::LinearFit& fit) {
  Output o;
  o.tensors.emplace_back("coef", fit.coef.to(torch::kFloat32));
  o.numbers.emplace_back("intercept", fit.intercept);
  return o;
}

Napi::Value WeightedRidge(const Napi::CallbackInfo& info) {
  auto x = tensor(info, 0, "x"), y = tensor(info, 1, "y"), w = tensor(info, 2, "w");
  const double alpha = num(info, 3, "alpha");
  const bool intercept = info.Length() > 4 && info[4].ToBoolean().Value();
  return queue(info.Env(), [=] { return fit_output(K::weighted_ridge(x, y, w, alpha, intercept)); });
}

Napi::Value LimeFit(const Napi::CallbackInfo& info) {
  auto z = tensor(info, 0, "z"), y = tensor(info, 1, "y");
  const double alpha = num(info, 2, "alpha"), width = num(info, 3, "kernelWidth");
  return queue(info.Env(), [=] { return fit_output(K::lime_fit(z, y, alpha, width)); });
}

Napi::Value KernelShapFit(const Napi::CallbackInfo& info) {
  auto z = tensor(info, 0, "z"), y = tensor(info, 1, "y");
  const double fx = num(info, 2, "fx"), f0 = num(info, 3, "f0");
  return queue(info.Env(), [=] { return one(K::kernel_shap_fit(z, y, fx, f0).to(torch::kFloat32)); });
}

Napi::Value RiseDraws(const Napi::CallbackInfo& info) {
  const auto seed = static_cast<uint64_t>(integer(info, 0, "seed"));
  const auto n = integer(info, 1, "n"), s = integer(info, 2, "s");
  const double p = num(info, 3, "p");
  const auto h = integer(info, 4, "h"), w = integer(info, 5, "w");
  return queue(info.Env(), [=] {
    auto d = K::rise_draws(seed, n, s, p, h, w);
    Output o;
    o.tensors.emplace_back("grids", d.grids);
    o.tensors.emplace_back("shifts", d.shifts);
    return o;
  });
}

Napi::Value RiseMasks(const Napi::CallbackInfo& info) {
  K::RiseDraws d{tensor(info, 0, "grids"), tensor(info, 1, "shifts")};
  const auto start = integer(info, 2, "start"), end = integer(info, 3, "end");
  const auto h = integer(info, 4, "h"), w = integer(info, 5, "w");
  return queue(info.Env(), [=] { return one(K::rise_masks(d, start, end, h, w)); });
}

}  // namespace

void InitKernels(Napi::Env env, Napi::Object exports) {
  auto k = Napi::Object::New(env);
  k.Set("occlusionMasks", Napi::Function::New(env, OcclusionMasks));
  k.Set("occlusionAverage", Napi::Function::New(env, OcclusionAverage));
  k.Set("composeMasked", Napi::Function::New(env, ComposeMasked));
  k.Set("composeMaskedInto", Napi::Function::New(env, ComposeMaskedInto));
  k.Set("accumulateMasks", Napi::Function::New(env, AccumulateMasks));
  k.Set("gridSegments", Napi::Function::New(env, GridSegments));
  k.Set("slic", Napi::Function::New(env, Slic));
  k.Set("segmentMasks", Napi::Function::New(env, SegmentMasks));
  k.Set("segmentValues", Napi::Function::New(env, SegmentValues));
  k.Set("binarySamples", Napi::Function::New(env, BinarySamples));
  k.Set("weightedRidge", Napi::Function::New(env, WeightedRidge));
  k.Set("limeFit", Napi::Function::New(env, LimeFit));
  k.Set("kernelShapFit", Napi::Function::New(env, KernelShapFit));
  k.Set("riseDraws", Napi::Function::New(env, RiseDraws));
  k.Set("riseMasks", Napi::Function::New(env, RiseMasks));
  exports.Set("kernels", k);
}

}  // namespace fass_js
