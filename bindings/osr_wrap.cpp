// trainOsrGans(model, images, targets, seeds, noiseSeeds, options, onProgress?): K per-image GANs
// of OSR (native/osr/) trained at once in a worker thread; resolves to the generated samples (a
// Tensor handle) and per-sample decisions. Glue only.
#include <napi.h>
#include "model_wrap.h"
#include "osr/gan.h"
#include "tensor_wrap.h"
#include "worker.h"

namespace fass_js {

namespace {

struct Step {
  int64_t step, total;
};

class OsrWorker : public ProgressPromiseWorker<Step> {
 public:
  OsrWorker(Napi::Env env, Napi::Function on_progress, int threads) : ProgressPromiseWorker(env, on_progress, threads) {}

  std::shared_ptr<fass::ScriptModel> model;
  torch::Tensor x, targets, seeds, noise_seeds;
  fass::osr::GanConfig cfg;

 protected:
  void Run(const Sender& progress) override {
    r_ = fass::osr::train_osr_gans(*model, x, targets, seeds, noise_seeds, cfg, [&](int64_t s, int64_t t) {
      Step p{s, t};
      progress.Send(&p, 1);
    });
  }
  std::vector<napi_value> Arguments(Napi::Env env, const Step& p) override {
    return {Napi::Number::New(env, static_cast<double>(p.step)), Napi::Number::New(env, static_cast<double>(p.total))};
  }
  Napi::Value Result(Napi::Env env) override {
    auto o = Napi::Object::New(env);
    o.Set("samples", TensorWrap::New(env, r_.samples));
    o.Set("samplePred", TensorWrap::New(env, r_.sample_pred.contiguous()));
    o.Set("sampleShift", TensorWrap::New(env, r_.sample_shift.contiguous()));
    o.Set("accepted", TensorWrap::New(env, r_.accepted.to(torch::kUInt8).contiguous()));
    o.Set("sampleDist", TensorWrap::New(env, r_.sample_dist.contiguous()));
    o.Set("noisePred", TensorWrap::New(env, r_.noise_pred.contiguous()));
    o.Set("noiseShift", TensorWrap::New(env, r_.noise_shift.contiguous()));
    o.Set("noiseDist", TensorWrap::New(env, r_.noise_dist.contiguous()));
    o.Set("noiseEps", TensorWrap::New(env, r_.noise_eps.contiguous()));
    o.Set("cleanLogit", TensorWrap::New(env, r_.clean_logit.contiguous()));
    o.Set("dLoss", TensorWrap::New(env, r_.d_loss.contiguous()));
    o.Set("gLoss", TensorWrap::New(env, r_.g_loss.contiguous()));
    o.Set("steps", Napi::Number::New(env, static_cast<double>(r_.steps)));
    return o;
  }

 private:
  fass::osr::GanResult r_;
};

std::vector<int64_t> widths(const Napi::Object& o, const char* key) {
  const auto v = o.Get(key);
  if (!v.IsArray()) throw Napi::TypeError::New(o.Env(), std::string("trainOsrGans: options.") + key + " must be an array");
  auto a = v.As<Napi::Array>();
  std::vector<int64_t> out;
  for (uint32_t i = 0; i < a.Length(); ++i) out.push_back(a.Get(i).As<Napi::Number>().Int64Value());
  return out;
}

Napi::Value TrainOsrGans(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (info.Length() < 6 || !info[5].IsObject())
    throw Napi::TypeError::New(env, "trainOsrGans(model, images, targets, seeds, noiseSeeds, options, onProgress?)");
  if (!info[0].IsObject() || !info[0].As<Napi::Object>().InstanceOf(ModelWrap::constructor->Value()))
    throw Napi::TypeError::New(env, "trainOsrGans: expected a native ScriptModel");
  auto cb = info.Length() > 6 && info[6].IsFunction() ? info[6].As<Napi::Function>() : Napi::Function();
  auto o = info[5].As<Napi::Object>();
  // Every option is the caller's (OsrOptions); a missing one is a bug there, not a default here.
  // Read before the worker exists: a worker made and never queued would keep Node alive.
  auto num = [&](const char* k) {
    if (!o.Get(k).IsNumber()) throw Napi::TypeError::New(env, std::string("trainOsrGans: options.") + k + " must be a number");
    return o.Get(k).As<Napi::Number>().DoubleValue();
  };
  fass::osr::GanConfig c;
  c.g_hidden = widths(o, "generatorWidths");
  c.d_hidden = widths(o, "discriminatorWidths");
  c.copies = static_cast<int64_t>(num("copies"));
  c.epochs = static_cast<int64_t>(num("epochs"));
  c.batch = static_cast<int64_t>(num("batch"));
  c.lr = num("lr");
  c.lambda_y = num("lambdaY");
  c.lambda_ce = num("lambdaCe");
  c.delta = num("delta");
  c.samples = static_cast<int64_t>(num("samples"));
  c.noise_eps = num("noiseEps");
  auto x = TensorWrap::FromValue(info[1], "images");
  auto targets = TensorWrap::FromValue(info[2], "targets");
  auto seeds = TensorWrap::FromValue(info[3], "seeds");
  auto noise_seeds = TensorWrap::FromValue(info[4], "noiseSeeds");
  const int threads = o.Get("threads").IsNumber() ? o.Get("threads").As<Napi::Number>().Int32Value() : 0;
  auto* w = new OsrWorker(env, cb, threads);
  w->model = Napi::ObjectWrap<ModelWrap>::Unwrap(info[0].As<Napi::Object>())->model;
  w->x = x;
  w->targets = targets;
  w->seeds = seeds;
  w->noise_seeds = noise_seeds;
  w->cfg = c;
  w->Queue();
  return w->Promise();
}

}  // namespace

void InitOsr(Napi::Env env, Napi::Object exports) {
  exports.Set("trainOsrGans", Napi::Function::New(env, TrainOsrGans));
}

}  // namespace fass_js
