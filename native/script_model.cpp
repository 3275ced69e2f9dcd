#include "script_model.h"
#include "memory_budget.h"
#include "device.h"
#include "errors.h"
#include "max_pool.h"

#include <torch/csrc/jit/serialization/import.h>
#include <fstream>
#include <sys/stat.h>

namespace fass {

namespace {

bool file_exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string first_line(const std::string& s) {
  const auto nl = s.find('\n');
  return nl == std::string::npos ? s : s.substr(0, nl);
}

// The interpreter's message is a TorchScript traceback; its last line holds the cause.
std::string last_line(const std::string& s) {
  auto end = s.find_last_not_of("\n ");
  if (end == std::string::npos) return s;
  auto start = s.rfind('\n', end);
  return s.substr(start == std::string::npos ? 0 : start + 1, end + 1 - (start == std::string::npos ? 0 : start + 1));
}

std::vector<int64_t> dims(const torch::Tensor& t) { return t.sizes().vec(); }

}  // namespace

ScriptModel::ScriptModel(const std::string& path, const std::string& device)
    : path_(path), device_(parse_device(device)) {
  if (!file_exists(path)) throw UserError(path + ": model file not found");
  torch::jit::ExtraFilesMap extra{{"fass.json", ""}};
  try {
    module_ = torch::jit::load(path, device_, extra);
  } catch (const c10::Error& e) {
    throw UserError(path + ": not a loadable TorchScript model (" + first_line(e.what_without_backtrace()) +
                    "). fass reads files written by torch.jit.save or `fass train`; for .onnx files use an ONNX path.");
  }
  card_ = extra["fass.json"];
  module_.eval();
  for (auto p : module_.parameters()) p.requires_grad_(false);
  fast_max_pools_ = use_fast_max_pool(module_);
}

void ScriptModel::set_normalisation(std::vector<float> mean, std::vector<float> std) {
  if (mean.empty()) {
    mean_ = std_ = torch::Tensor();
    return;
  }
  const auto c = static_cast<int64_t>(mean.size());
  mean_ = torch::tensor(mean).view({1, c, 1, 1}).to(device_);
  std_ = torch::tensor(std).view({1, c, 1, 1}).to(device_);
}

torch::Tensor ScriptModel::prepare(const torch::Tensor& x) const {
  auto y = x.to(device_, torch::kFloat32);
  if (!mean_.defined()) return y;
  if (y.dim() != 4 || y.size(1) != mean_.size(1))
    throw ShapeError("normalisation has " + std::to_string(mean_.size(1)) + " channel(s), the input is " +
                         shape_str(dims(y)),
                     {-1, mean_.size(1), -1, -1}, dims(y));
  return (y - mean_) / std_;
}

int64_t ScriptModel::kernel_batch(const torch::Tensor& x) const {
  if (kernel_batch_override_ >= 0) return kernel_batch_override_;
  if (!device_.is_cpu()) return 0;
  const int64_t per_row = std::max<int64_t>(1, x.numel() / std::max<int64_t>(1, x.size(0)));
  int64_t k = 8;
  while (k < 128 && (k * 2) * per_row <= (int64_t{1} << 16)) k *= 2;
  return k;
}

int64_t ScriptModel::rows_in_budget(const torch::Tensor& x, bool with_grad) {
  if (memory_budget_ <= 0) return rows_within(0, 0);
  auto row = x.sizes().vec();
  row[0] = 1;
  auto key = std::make_pair(row, with_grad);
  std::lock_guard<std::mutex> lock(budget_mutex_);
  auto it = row_bytes_.find(key);
  if (it == row_bytes_.end()) it = row_bytes_.emplace(key, measure_row_bytes(*this, x, with_grad)).first;
  return rows_within(memory_budget_, it->second);
}

torch::Tensor pad_rows(const torch::Tensor& t, int64_t begin, int64_t rows, int64_t k) {
  auto piece = t.slice(0, begin, begin + rows);
  if (k <= rows) return piece;
  auto shape = piece.sizes().vec();
  shape[0] = k - rows;
  return torch::cat({piece, torch::zeros(shape, piece.options())});
}

std::vector<torch::Tensor> in_fixed_batches(const torch::Tensor& x, int64_t k, const PieceFn& fn) {
  const int64_t n = x.size(0);
  if (k <= 0 || n == 0) return fn(x, 0, n);
  std::vector<std::vector<torch::Tensor>> parts;
  for (int64_t b = 0; b < n; b += k) {
    const int64_t e = std::min(n, b + k);
    auto outs = fn(pad_rows(x, b, e - b, k), b, e - b);
    for (auto& o : outs) o = o.slice(0, 0, e - b);
    parts.push_back(std::move(outs));
  }
  std::vector<torch::Tensor> joined;
  for (size_t j = 0; j < parts[0].size(); ++j) {
    std::vector<torch::Tensor> col;
    for (auto& p : parts) col.push_back(p[j]);
    joined.push_back(col.size() == 1 ? col[0] : torch::cat(col));
  }
  return joined;
}

torch::Tensor ScriptModel::forward(const torch::Tensor& x) {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  auto in = prepare(x);
  torch::Tensor logits;
  try {
    logits = in_fixed_batches(in, kernel_batch(in), [&](const torch::Tensor& piece, int64_t, int64_t) {
      AutocastGuard autocast(device_, precision_);
      auto y = module_.forward({piece});
      if (y.isTuple()) y = y.toTuple()->elements().at(0);  // models returning (logits, ...)
      if (!y.isTensor()) throw std::runtime_error(path_ + ": forward did not return a tensor");
      return std::vector<torch::Tensor>{y.toTensor()};
    })[0];
  } catch (const std::exception& e) {
    if (is_out_of_memory(e)) throw;
    const int64_t c = first_conv_in_channels();
    std::vector<int64_t> expected = {-1, c, -1, -1};
    throw ShapeError("the model rejected input of shape " + shape_str(dims(x)) +
                         (c > 0 ? " (its first convolution takes " + std::to_string(c) + " channel(s))" : "") +
                         ": " + last_line(e.what()),
                     expected, dims(x));
  }
  if (logits.dim() != 2 || logits.size(0) != x.size(0))
    throw UserError(path_ + ": forward returned shape " + shape_str(dims(logits)) +
                    ", expected logits of shape [N, classes] for a batch of " + std::to_string(x.size(0)));
  // Under bf16 autocast the last linear layer gives bfloat16 logits; scores leave in float32
  // (a differentiable cast: gradients flow back through it).
  return logits.scalar_type() == torch::kFloat32 ? logits : logits.to(torch::kFloat32);
}

torch::Tensor ScriptModel::predict(const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  return forward(x).to(torch::kCPU, torch::kFloat32).contiguous();
}

std::vector<std::string> ScriptModel::submodules() const {
  std::vector<std::string> names;
  for (const auto& m : module_.named_modules())
    if (!m.name.empty()) names.push_back(m.name);
  return names;
}

int64_t ScriptModel::first_conv_in_channels() const {
  for (const auto& p : module_.parameters())
    if (p.dim() == 4) return p.size(1);
  return -1;
}

std::vector<std::pair<std::string, torch::Tensor>> ScriptModel::named_parameters() const {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& p : module_.named_parameters(/*recurse=*/true))
    out.emplace_back(p.name, p.value.detach().to(torch::kCPU, torch::kFloat32).contiguous());
  return out;
}

std::vector<int64_t> nonfinite_rows(const torch::Tensor& logits) {
  auto bad = (~torch::isfinite(logits)).any(1).nonzero().view(-1).to(torch::kCPU);
  return std::vector<int64_t>(bad.data_ptr<int64_t>(), bad.data_ptr<int64_t>() + bad.numel());
}

}  // namespace fass
