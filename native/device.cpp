#include "device.h"
#include "errors.h"

#include <ATen/Parallel.h>
#include <cstring>
#include <sstream>

namespace fass {

std::string shape_str(const std::vector<int64_t>& s) {
  std::ostringstream o;
  o << '[';
  for (size_t i = 0; i < s.size(); ++i) o << (i ? ", " : "") << (s[i] < 0 ? std::string("*") : std::to_string(s[i]));
  o << ']';
  return o.str();
}

bool is_out_of_memory(const std::exception& e) {
  const char* w = e.what();
  return std::strstr(w, "out of memory") || std::strstr(w, "can't allocate memory") ||
         std::strstr(w, "Tried to allocate") || std::strstr(w, "std::bad_alloc");
}

bool cuda_available() { return torch::cuda::is_available(); }
int cuda_device_count() { return static_cast<int>(torch::cuda::device_count()); }

torch::Device parse_device(const std::string& name) {
  if (name == "cpu") return torch::Device(torch::kCPU);
  if (name == "cuda" || name.rfind("cuda:", 0) == 0) {
    int index = 0;
    if (name.size() > 5) {
      const std::string digits = name.substr(5);
      if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos)
        throw UserError("unknown device '" + name + "': expected cpu, cuda or cuda:N");
      index = std::stoi(digits);
    }
    if (!cuda_available())
      throw UserError("device '" + name + "' asked for, but CUDA is not available: this LibTorch build " +
                      "has no CUDA support or no GPU is visible. Use --device cpu, or build fass against a " +
                      "CUDA LibTorch (LIBTORCH=/path/to/libtorch) on a machine with an NVIDIA GPU.");
    if (index >= cuda_device_count())
      throw UserError("device '" + name + "' asked for, but only " + std::to_string(cuda_device_count()) +
                      " CUDA device(s) are visible (cuda:0 .. cuda:" + std::to_string(cuda_device_count() - 1) + ")");
    return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
  }
  throw UserError("unknown device '" + name + "': expected cpu, cuda or cuda:N");
}

void synchronize(const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.has_index() ? device.index() : -1);
}

void use_threads(int n) {
  if (n > 0 && at::get_num_threads() != n) at::set_num_threads(n);
}

}  // namespace fass
