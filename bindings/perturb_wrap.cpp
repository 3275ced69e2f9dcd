// perturb.apply(x, op, seeds, threads), perturb.align(maps, op, threads): perturbations and their
// alignment in a worker thread (promises); perturb.validMask(op, h, w): the (H,W) uint8 mask,
// synchronous (it is small). `op` names the operation and its parameters:
//   {kind: 'rotate', degrees, interpolation?} {kind: 'translate', dx, dy, interpolation?} (pixels)
//   {kind: 'scale', factor, interpolation?} {kind: 'hflip'}
//   {kind: 'brightness' | 'contrast', factor} {kind: 'gamma', gamma} {kind: 'blur' | 'noise', sigma}
// Glue only; the math lives in native/perturb/.
#include <napi.h>
#include <functional>
#include "perturb/perturb.h"
#include "tensor_wrap.h"
#include "worker.h"

namespace fass_js {

namespace {

namespace P = fass::perturb;

class TaskWorker : public PromiseWorker {
 public:
  TaskWorker(Napi::Env env, int threads, std::function<torch::Tensor()> fn)
      : PromiseWorker(env, threads), fn_(std::move(fn)) {}

 protected:
  void Run() override { out_ = fn_(); }
  Napi::Value Result(Napi::Env env) override { return TensorWrap::New(env, out_); }

 private:
  std::function<torch::Tensor()> fn_;
  torch::Tensor out_;
};

Napi::Value queue(Napi::Env env, int threads, std::function<torch::Tensor()> fn) {
  auto* w = new TaskWorker(env, threads, std::move(fn));
  w->Queue();
  return w->Promise();
}

// An operation as the engine reads it; a missing or mistyped field is a TypeError naming it.
struct Op {
  std::string kind;
  bool geometric = false;
  P::Geometry geometry;
  double value = 0;  // photometric parameter
};

double field(const Napi::Object& o, const char* key, const std::string& kind) {
  const auto v = o.Get(key);
  if (!v.IsNumber())
    throw Napi::TypeError::New(o.Env(), "perturbation '" + kind + "' needs a number '" + key + "'");
  return v.As<Napi::Number>().DoubleValue();
}

Op read_op(const Napi::Value& v) {
  auto env = v.Env();
  if (!v.IsObject()) throw Napi::TypeError::New(env, "the perturbation must be an object {kind, ...}");
  auto o = v.As<Napi::Object>();
  const auto kv = o.Get("kind");
  if (!kv.IsString()) throw Napi::TypeError::New(env, "the perturbation needs a string 'kind'");
  Op op;
  op.kind = kv.As<Napi::String>().Utf8Value();
  const auto iv = o.Get("interpolation");
  if (iv.IsString()) {
    const auto s = iv.As<Napi::String>().Utf8Value();
    if (s == "nearest") op.geometry.interp = P::Interp::Nearest;
    else if (s != "bilinear")
      throw Napi::TypeError::New(env, "interpolation '" + s + "': expected bilinear or nearest");
  }
  using K = P::Geometry::Kind;
  op.geometric = true;
  if (op.kind == "rotate") {
    op.geometry.kind = K::Rotate;
    op.geometry.degrees = field(o, "degrees", op.kind);
  } else if (op.kind == "translate") {
    op.geometry.kind = K::Translate;
    op.geometry.dx = field(o, "dx", op.kind);
    op.geometry.dy = field(o, "dy", op.kind);
  } else if (op.kind == "scale") {
    op.geometry.kind = K::Scale;
    op.geometry.factor = field(o, "factor", op.kind);
  } else if (op.kind == "hflip") {
    op.geometry.kind = K::HFlip;
  } else {
    op.geometric = false;
    if (op.kind == "brightness" || op.kind == "contrast") op.value = field(o, "factor", op.kind);
    else if (op.kind == "gamma") op.value = field(o, "gamma", op.kind);
    else if (op.kind == "blur" || op.kind == "noise") op.value = field(o, "sigma", op.kind);
    else
      throw Napi::TypeError::New(env, "unknown perturbation kind '" + op.kind +
                                          "': expected rotate, translate, scale, hflip, brightness, contrast, "
                                          "gamma, blur or noise");
  }
  return op;
}

int threads_arg(const Napi::CallbackInfo& info, size_t i) {
  return info.Length() > i && info[i].IsNumber() ? info[i].As<Napi::Number>().Int32Value() : 0;
}

Napi::Value Apply(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (info.Length() < 2) throw Napi::TypeError::New(env, "perturb.apply(x, op[, seeds, threads])");
  auto x = TensorWrap::FromValue(info[0], "x");
  const Op op = read_op(info[1]);
  torch::Tensor seeds;
  if (info.Length() > 2 && !info[2].IsNull() && !info[2].IsUndefined()) seeds = TensorWrap::FromValue(info[2], "seeds");
  return queue(env, threads_arg(info, 3), [x, op, seeds]() -> torch::Tensor {
    if (op.geometric) return P::apply_geometric(x, op.geometry);
    if (op.kind == "brightness") return P::brightness(x, op.value);
    if (op.kind == "contrast") return P::contrast(x, op.value);
    if (op.kind == "gamma") return P::gamma(x, op.value);
    if (op.kind == "blur") return P::blur(x, op.value);
    return P::noise(x, op.value, seeds);
  });
}

Napi::Value Align(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (info.Length() < 2) throw Napi::TypeError::New(env, "perturb.align(maps, op[, threads])");
  auto maps = TensorWrap::FromValue(info[0], "maps");
  const Op op = read_op(info[1]);
  if (!op.geometric) return queue(env, 0, [maps]() { return maps; });  // identity alignment
  return queue(env, threads_arg(info, 2), [maps, op]() { return P::align(maps, op.geometry); });
}

Napi::Value ValidMask(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (info.Length() < 3 || !info[1].IsNumber() || !info[2].IsNumber())
    throw Napi::TypeError::New(env, "perturb.validMask(op, h, w): h and w must be numbers");
  const Op op = read_op(info[0]);
  const int64_t h = info[1].As<Napi::Number>().Int64Value(), w = info[2].As<Napi::Number>().Int64Value();
  auto mask = guard(env, [&] {
    if (!op.geometric) return torch::ones({h, w}, torch::kUInt8);
    return P::valid_mask(op.geometry, h, w).to(torch::kUInt8);
  });
  return TensorWrap::New(env, mask);
}

}  // namespace

void InitPerturb(Napi::Env env, Napi::Object exports) {
  auto p = Napi::Object::New(env);
  p.Set("apply", Napi::Function::New(env, Apply));
  p.Set("align", Napi::Function::New(env, Align));
  p.Set("validMask", Napi::Function::New(env, ValidMask));
  exports.Set("perturb", p);
}

}  // namespace fass_js
