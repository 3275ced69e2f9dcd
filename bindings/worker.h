// A promise-returning AsyncWorker base: runs engine work off the JS thread with LibTorch's thread
// count set inside that thread, and turns engine exceptions into JS errors whose `code` tells
// the caller's mistakes (E_FASS_USER, E_FASS_SHAPE) from our own (E_FASS_INTERNAL).
#pragma once
#include <napi.h>
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

class PromiseWorker : public Napi::AsyncWorker {
 public:
  PromiseWorker(Napi::Env env, int threads)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), threads_(threads) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  virtual void Run() = 0;                        // worker thread: engine calls only
  virtual Napi::Value Result(Napi::Env env) = 0;  // JS thread: build the resolved value

  void Execute() override {
    try {
      fass::use_threads(threads_);
      Run();
    } catch (const fass::ShapeError& e) {
      Fail(e.what(), "E_FASS_SHAPE");
    } catch (const fass::UserError& e) {
      Fail(e.what(), "E_FASS_USER");
    } catch (const c10::Error& e) {
      Fail(e.what_without_backtrace(), "E_FASS_INTERNAL");
    } catch (const std::exception& e) {
      Fail(e.what(), "E_FASS_INTERNAL");
    }
  }
  void OnOK() override {
    Napi::HandleScope scope(Env());
    try {
      deferred_.Resolve(Result(Env()));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  }
  void OnError(const Napi::Error&) override {
    Napi::HandleScope scope(Env());
    deferred_.Reject(make_error(Env(), message_, code_).Value());
  }

 private:
  void Fail(const std::string& message, const char* code) {
    message_ = message;
    code_ = code;
    SetError(message);
  }
  Napi::Promise::Deferred deferred_;
  int threads_;
  std::string message_;
  const char* code_ = "E_FASS_INTERNAL";
};

}  // namespace fass_js
