// trainReferenceCnn(options, onProgress): builds the reference CNN, trains it in a worker thread,
// reports progress (throttled by N-API to the JS thread's pace) and saves TorchScript.
#include <napi.h>
#include "reference_cnn.h"
#include "tensor_wrap.h"
#include "train.h"
#include "worker.h"

namespace fass_js {

namespace {

struct Progress {
  int64_t step, total;
  double loss;
};

class TrainWorker : public ProgressPromiseWorker<Progress> {
 public:
  TrainWorker(Napi::Env env, Napi::Function on_progress, int threads) : ProgressPromiseWorker(env, on_progress, threads) {}

  torch::Tensor images, labels;
  fass::TrainConfig cfg;
  fass::CnnShape shape;
  std::string out, card;

 protected:
  void Run(const Sender& progress) override {
    auto model = fass::build_reference_cnn(shape, cfg.seed);
    stats_ = fass::train_classifier(model, images, labels, cfg, [&](int64_t s, int64_t t, double l) {
      Progress p{s, t, l};
      progress.Send(&p, 1);
    });
    fass::save_module(model, out, card);
  }
  std::vector<napi_value> Arguments(Napi::Env env, const Progress& p) override {
    return {Napi::Number::New(env, p.step), Napi::Number::New(env, p.total), Napi::Number::New(env, p.loss)};
  }
  Napi::Value Result(Napi::Env env) override {
    auto r = Napi::Object::New(env);
    r.Set("steps", Napi::Number::New(env, stats_.steps));
    r.Set("epochs", Napi::Number::New(env, stats_.epochs_seen));
    r.Set("finalLoss", Napi::Number::New(env, stats_.final_loss));
    return r;
  }

 private:
  fass::TrainStats stats_;
};

int64_t num(const Napi::Object& o, const char* key, int64_t fallback) {
  const auto v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().Int64Value() : fallback;
}

Napi::Value TrainReferenceCnn(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "trainReferenceCnn(options, onProgress?)");
  auto o = info[0].As<Napi::Object>();
  auto cb = info.Length() > 1 && info[1].IsFunction() ? info[1].As<Napi::Function>() : Napi::Function();
  // Every option is the caller's (src/cli/train.ts): a missing one is a bug there, not a default here.
  // Checked before the worker exists: a worker made and never queued would keep Node alive.
  for (const char* k : {"steps", "batchSize", "lr", "seed"})
    if (!o.Get(k).IsNumber()) throw Napi::TypeError::New(env, std::string("trainReferenceCnn: options.") + k + " must be a number");
  if (!o.Get("device").IsString()) throw Napi::TypeError::New(env, "trainReferenceCnn: options.device must be a string");
  auto* w = new TrainWorker(env, cb, static_cast<int>(num(o, "threads", 0)));
  w->images = TensorWrap::FromValue(o.Get("images"), "options.images");
  w->labels = TensorWrap::FromValue(o.Get("labels"), "options.labels");
  w->cfg.steps = o.Get("steps").As<Napi::Number>().Int64Value();
  w->cfg.batch_size = o.Get("batchSize").As<Napi::Number>().Int64Value();
  w->cfg.lr = o.Get("lr").As<Napi::Number>().DoubleValue();
  w->cfg.seed = static_cast<uint64_t>(o.Get("seed").As<Napi::Number>().Int64Value());
  w->cfg.device = o.Get("device").As<Napi::String>().Utf8Value();
  w->shape.channels = w->images.size(1);
  w->shape.height = w->images.size(2);
  w->shape.width = w->images.size(3);
  w->shape.classes = num(o, "classes", 10);
  w->shape.width1 = num(o, "width1", w->shape.width1);
  w->shape.width2 = num(o, "width2", w->shape.width2);
  w->shape.hidden = num(o, "hidden", w->shape.hidden);
  w->out = o.Get("out").As<Napi::String>().Utf8Value();
  w->card = o.Get("card").IsString() ? o.Get("card").As<Napi::String>().Utf8Value() : "{}";
  w->Queue();
  return w->Promise();
}

}  // namespace

void InitTrain(Napi::Env env, Napi::Object exports) {
  exports.Set("trainReferenceCnn", Napi::Function::New(env, TrainReferenceCnn));
}

}  // namespace fass_js
