// Method parameters as they arrive from the caller: numbers, strings and tensors by name. Each
// method reads what it needs with a default; a wrong type or value is a UserError naming it.
#pragma once
#include <torch/torch.h>
#include <map>
#include <string>
#include "errors.h"

namespace fass {

struct Params {
  std::map<std::string, double> num;
  std::map<std::string, std::string> str;
  std::map<std::string, torch::Tensor> tensors;

  double number(const std::string& k, double fallback) const {
    auto it = num.find(k);
    return it == num.end() ? fallback : it->second;
  }
  int64_t integer(const std::string& k, int64_t fallback) const { return static_cast<int64_t>(number(k, static_cast<double>(fallback))); }
  bool flag(const std::string& k, bool fallback) const { return number(k, fallback ? 1 : 0) != 0; }
  std::string text(const std::string& k, const std::string& fallback) const {
    auto it = str.find(k);
    return it == str.end() ? fallback : it->second;
  }
  torch::Tensor tensor(const std::string& k) const {
    auto it = tensors.find(k);
    return it == tensors.end() ? torch::Tensor() : it->second;
  }
};

}  // namespace fass
