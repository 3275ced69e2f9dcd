// A promise-returning AsyncWorker base: runs engine work off the JS thread with LibTorch's thread
// count set inside that thread, and turns engine exceptions into JS errors whose `code` tells
// the caller's mistakes (E_FASS_USER, E_FASS_SHAPE) from our own (E_FASS_INTERNAL).
#pragma once
#include <napi.h>
#include <string>
#include <utility>
#include <vector>
#include "errors.h"
#include "device.h"
#include <c10/util/Exception.h>

namespace fass_js {

inline Napi::Error make_error(Napi::Env env, const std::string& message, const char* code) {
  auto err = Napi::Error::New(env, message);
  err.Set("code", Napi::String::New(env, code));
  return err;
}

// Runs `fn`, rethrowing engine exceptions as coded JS exceptions (for synchronous binding calls).
template <typename Fn>
auto guard(Napi::Env env, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const fass::ShapeError& e) {
    throw make_error(env, e.what(), "E_FASS_SHAPE");
  } catch (const fass::UserError& e) {
    throw make_error(env, e.what(), "E_FASS_USER");
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw make_error(env, e.what_without_backtrace(), "E_FASS_INTERNAL");
  } catch (const std::exception& e) {
    throw make_error(env, e.what(), "E_FASS_INTERNAL");
  }
}

// Runs `fn` in a worker thread with LibTorch's thread count set there; on an engine exception
// fills message and code (E_FASS_SHAPE, E_FASS_USER or E_FASS_INTERNAL) and returns false.
template <typename Fn>
bool run_coded(int threads, Fn&& fn, std::string& message, const char*& code) {
  try {
    fass::use_threads(threads);
    fn();
    return true;
  } catch (const fass::ShapeError& e) {
    message = e.what(), code = "E_FASS_SHAPE";
  } catch (const fass::UserError& e) {
    message = e.what(), code = "E_FASS_USER";
  } catch (const c10::Error& e) {
    message = e.what_without_backtrace(), code = "E_FASS_INTERNAL";
  } catch (const std::exception& e) {
    message = e.what(), code = "E_FASS_INTERNAL";
  }
  return false;
}

// The promise and the coded rejection every worker shares, over an AsyncWorker or an
// AsyncProgressWorker<P> (Base).
template <typename Base>
class PromiseBase : public Base {
 public:
  template <typename... A>
  explicit PromiseBase(Napi::Env env, int threads, A&&... a)
      : Base(env, std::forward<A>(a)...), deferred_(Napi::Promise::Deferred::New(env)), threads_(threads) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  virtual Napi::Value Result(Napi::Env env) = 0;  // JS thread: build the resolved value

  template <typename Fn>
  void run(Fn&& fn) {
    if (!run_coded(threads_, std::forward<Fn>(fn), message_, code_)) this->SetError(message_);
  }
  void OnOK() override {
    Napi::HandleScope scope(this->Env());
    try {
      deferred_.Resolve(Result(this->Env()));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  }
  void OnError(const Napi::Error&) override {
    Napi::HandleScope scope(this->Env());
    deferred_.Reject(make_error(this->Env(), message_, code_).Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  int threads_;
  std::string message_;
  const char* code_ = "E_FASS_INTERNAL";
};

class PromiseWorker : public PromiseBase<Napi::AsyncWorker> {
 public:
  PromiseWorker(Napi::Env env, int threads) : PromiseBase(env, threads) {}

 protected:
  virtual void Run() = 0;  // worker thread: engine calls only
  void Execute() override { run([this] { Run(); }); }
};

// A PromiseWorker that reports progress P to an optional JS callback (throttled by N-API to the
// JS thread's pace: only the latest report of a burst is delivered).
template <typename P>
class ProgressPromiseWorker : public PromiseBase<Napi::AsyncProgressWorker<P>> {
  using Base = PromiseBase<Napi::AsyncProgressWorker<P>>;

 public:
  using Sender = typename Napi::AsyncProgressWorker<P>::ExecutionProgress;
  ProgressPromiseWorker(Napi::Env env, Napi::Function on_progress, int threads) : Base(env, threads) {
    if (!on_progress.IsEmpty()) callback_ = Napi::Persistent(on_progress);
  }

 protected:
  virtual void Run(const Sender& progress) = 0;                                   // worker thread
  virtual std::vector<napi_value> Arguments(Napi::Env env, const P& p) = 0;  // JS thread: the callback's arguments
  void Execute(const Sender& progress) override {
    this->run([&] { Run(progress); });
  }
  void OnProgress(const P* p, size_t count) override {
    if (callback_.IsEmpty() || count == 0) return;
    Napi::HandleScope scope(this->Env());
    callback_.Call(Arguments(this->Env(), p[count - 1]));
  }

 private:
  Napi::FunctionReference callback_;
};

}  // namespace fass_js
