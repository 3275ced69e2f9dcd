#include "tensor_wrap.h"
#include "worker.h"

#include <cstring>

namespace fass_js {

Napi::FunctionReference* TensorWrap::constructor = nullptr;

namespace {

struct DtypeInfo {
  torch::ScalarType type;
  napi_typedarray_type js;
  const char* name;
  size_t bytes;
};

const DtypeInfo kDtypes[] = {
    {torch::kFloat32, napi_float32_array, "float32", 4}, {torch::kFloat64, napi_float64_array, "float64", 8},
    {torch::kInt32, napi_int32_array, "int32", 4},       {torch::kInt64, napi_bigint64_array, "int64", 8},
    {torch::kUInt8, napi_uint8_array, "uint8", 1},
};

const DtypeInfo* by_js(napi_typedarray_type t) {
  for (const auto& d : kDtypes)
    if (d.js == t) return &d;
  return nullptr;
}
const DtypeInfo* by_torch(torch::ScalarType t) {
  for (const auto& d : kDtypes)
    if (d.type == t) return &d;
  return nullptr;
}

Napi::TypedArray make_typed(Napi::Env env, napi_typedarray_type t, size_t n) {
  switch (t) {
    case napi_float32_array: return Napi::Float32Array::New(env, n);
    case napi_float64_array: return Napi::Float64Array::New(env, n);
    case napi_int32_array: return Napi::Int32Array::New(env, n);
    case napi_bigint64_array: return Napi::BigInt64Array::New(env, n);
    default: return Napi::Uint8Array::New(env, n);
  }
}

}  // namespace

void TensorWrap::Init(Napi::Env env, Napi::Object exports) {
  auto cls = DefineClass(env, "Tensor",
                         {InstanceAccessor<&TensorWrap::Shape>("shape"), InstanceAccessor<&TensorWrap::Dtype>("dtype"),
                          InstanceAccessor<&TensorWrap::Device>("device"),
                          InstanceAccessor<&TensorWrap::Disposed>("disposed"),
                          InstanceMethod<&TensorWrap::ToTypedArray>("toTypedArray"),
                          InstanceMethod<&TensorWrap::To>("to"), InstanceMethod<&TensorWrap::Dispose>("dispose")});
  constructor = new Napi::FunctionReference(Napi::Persistent(cls));
  exports.Set("Tensor", cls);
}

// new Tensor(typedArray, shape[, device]) copies the data into a new native tensor.
// new Tensor(External) adopts a tensor the engine made (used by New below).
TensorWrap::TensorWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TensorWrap>(info) {
  auto env = info.Env();
  if (info.Length() == 1 && info[0].IsExternal()) {
    tensor = *info[0].As<Napi::External<torch::Tensor>>().Data();
    return;
  }
  if (info.Length() < 2 || !info[0].IsTypedArray() || !info[1].IsArray())
    throw Napi::TypeError::New(env, "Tensor(data, shape): data must be a typed array and shape an array of sizes");
  auto arr = info[0].As<Napi::TypedArray>();
  const auto* dt = by_js(arr.TypedArrayType());
  if (!dt)
    throw Napi::TypeError::New(env, "Tensor: unsupported typed array; use Float32Array, Float64Array, Int32Array, "
                                    "BigInt64Array or Uint8Array");
  auto shape_js = info[1].As<Napi::Array>();
  std::vector<int64_t> shape;
  int64_t count = 1;
  for (uint32_t i = 0; i < shape_js.Length(); ++i) {
    const auto v = shape_js.Get(i);
    if (!v.IsNumber() || v.As<Napi::Number>().DoubleValue() < 0)
      throw Napi::TypeError::New(env, "Tensor: shape entries must be non-negative integers");
    shape.push_back(v.As<Napi::Number>().Int64Value());
    count *= shape.back();
  }
  if (static_cast<size_t>(count) != arr.ElementLength())
    throw Napi::RangeError::New(env, "Tensor: shape " + fass::shape_str(shape) + " holds " + std::to_string(count) +
                                         " elements, the data has " + std::to_string(arr.ElementLength()));
  auto* base = static_cast<uint8_t*>(arr.ArrayBuffer().Data()) + arr.ByteOffset();
  auto t = torch::empty(shape, torch::TensorOptions().dtype(dt->type));
  if (count > 0) std::memcpy(t.data_ptr(), base, static_cast<size_t>(count) * dt->bytes);
  if (info.Length() >= 3 && info[2].IsString()) {
    const auto dev = info[2].As<Napi::String>().Utf8Value();
    t = guard(env, [&] { return t.to(fass::parse_device(dev)); });
  }
  tensor = t;
}

Napi::Object TensorWrap::New(Napi::Env env, torch::Tensor t) {
  auto ext = Napi::External<torch::Tensor>::New(env, &t);
  return constructor->New({ext});
}

torch::Tensor& TensorWrap::FromValue(const Napi::Value& v, const char* what) {
  if (!v.IsObject() || !v.As<Napi::Object>().InstanceOf(constructor->Value()))
    throw Napi::TypeError::New(v.Env(), std::string(what) + " must be a native Tensor");
  auto* w = Napi::ObjectWrap<TensorWrap>::Unwrap(v.As<Napi::Object>());
  if (!w->tensor.defined()) throw Napi::Error::New(v.Env(), std::string(what) + " was disposed");
  return w->tensor;
}

Napi::Value TensorWrap::Shape(const Napi::CallbackInfo& info) {
  auto arr = Napi::Array::New(info.Env());
  if (!tensor.defined()) return arr;
  for (int64_t i = 0; i < tensor.dim(); ++i) arr.Set(static_cast<uint32_t>(i), Napi::Number::New(info.Env(), tensor.size(i)));
  return arr;
}

Napi::Value TensorWrap::Dtype(const Napi::CallbackInfo& info) {
  if (!tensor.defined()) return info.Env().Null();
  const auto* dt = by_torch(tensor.scalar_type());
  return Napi::String::New(info.Env(), dt ? dt->name : c10::toString(tensor.scalar_type()));
}

Napi::Value TensorWrap::Device(const Napi::CallbackInfo& info) {
  if (!tensor.defined()) return info.Env().Null();
  return Napi::String::New(info.Env(), tensor.device().str());
}

Napi::Value TensorWrap::Disposed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), !tensor.defined());
}

// Copies the data back into a new typed array of the matching kind (bool becomes uint8,
// float16/bfloat16 become float32).
Napi::Value TensorWrap::ToTypedArray(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (!tensor.defined()) throw Napi::Error::New(env, "Tensor was disposed");
  auto t = tensor;
  if (!by_torch(t.scalar_type())) t = t.scalar_type() == torch::kBool ? t.to(torch::kUInt8) : t.to(torch::kFloat32);
  t = t.to(torch::kCPU).contiguous();
  const auto* dt = by_torch(t.scalar_type());
  auto out = make_typed(env, dt->js, static_cast<size_t>(t.numel()));
  if (t.numel() > 0)
    std::memcpy(static_cast<uint8_t*>(out.ArrayBuffer().Data()) + out.ByteOffset(), t.data_ptr(),
                static_cast<size_t>(t.numel()) * dt->bytes);
  return out;
}

Napi::Value TensorWrap::To(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (!tensor.defined()) throw Napi::Error::New(env, "Tensor was disposed");
  const auto dev = info[0].As<Napi::String>().Utf8Value();
  return New(env, guard(env, [&] { return tensor.to(fass::parse_device(dev)); }));
}

void TensorWrap::Dispose(const Napi::CallbackInfo&) { tensor = torch::Tensor(); }

}  // namespace fass_js
