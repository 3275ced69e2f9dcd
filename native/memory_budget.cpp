#include "memory_budget.h"
#include "device.h"
#include "script_model.h"

#include <fstream>
#include <limits>
#include <string>
#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace fass {

namespace {

// A "Key:   123 kB" line of /proc/self/status, in bytes; -1 when absent.
int64_t status_bytes(const std::string& key) {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind(key + ":", 0) == 0) return std::stoll(line.substr(key.size() + 1)) * 1024;
  return -1;
}

// Resets the peak RSS (VmHWM) to the current RSS: Linux's clear_refs value 5.
bool reset_peak_rss() {
  std::ofstream f("/proc/self/clear_refs");
  f << "5";
  f.flush();
  return f.good();
}

}  // namespace

int64_t measure_row_bytes(ScriptModel& model, const torch::Tensor& like, bool with_grad) {
  const int64_t rows = std::max<int64_t>(1, model.kernel_batch(like));
  auto shape = like.sizes().vec();
  shape[0] = rows;
  auto x = torch::full(shape, 0.5f, torch::TensorOptions().device(model.device()));
  auto call = [&] {
    torch::AutoGradMode grad(with_grad);
    auto in = with_grad ? x.detach().requires_grad_(true) : x;
    auto logits = model.forward(in);
    if (with_grad) torch::autograd::grad({logits.sum()}, {in});
  };
  if (model.device().is_cuda()) {
    const int index = model.device().index() < 0 ? 0 : model.device().index();
    const auto before = cuda_memory(index);
    if (!before.ok) return 0;
    cuda_reset_peak(index);
    call();
    return std::max<int64_t>(1, (cuda_memory(index).allocated_peak - before.allocated) / rows);
  }
#ifdef __GLIBC__
  malloc_trim(0);  // free pages the allocator kept would hide the call's growth
#endif
  const int64_t base = status_bytes("VmRSS");
  if (base < 0 || !reset_peak_rss()) return 0;
  call();
  const int64_t peak = status_bytes("VmHWM");
  return std::max<int64_t>(1, (peak - base) / rows);
}

int64_t rows_within(int64_t budget, int64_t row_bytes) {
  if (budget <= 0 || row_bytes <= 0) return std::numeric_limits<int64_t>::max();
  return std::max<int64_t>(1, budget / row_bytes);
}

}  // namespace fass
