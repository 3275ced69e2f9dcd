// Method parameters as they arrive from the caller: numbers, strings and tensors by name. Each
// method reads what it needs; a wrong type or value is a UserError naming it.
#pragma once
#include <torch/torch.h>
#include <map>
#include <stdexcept>
#include <string>
#include "errors.h"

namespace fass {

struct Params {
  std::map<std::string, double> num;
  std::map<std::string, std::string> str;
  std::map<std::string, torch::Tensor> tensors;

  // Every value arrives explicitly: the defaults live in the TypeScript schemas (src/methods/), so
  // a C++ caller and the CLI cannot get different numbers. A missing one is the caller's bug.
  bool has(const std::string& k) const { return num.count(k) || str.count(k); }
  double number(const std::string& k) const { return at(num, k); }
  int64_t integer(const std::string& k) const { return static_cast<int64_t>(number(k)); }
  bool flag(const std::string& k) const { return number(k) != 0; }
  std::string text(const std::string& k) const { return at(str, k); }
  torch::Tensor tensor(const std::string& k) const {
    auto it = tensors.find(k);
    return it == tensors.end() ? torch::Tensor() : it->second;
  }

 private:
  template <typename T>
  static T at(const std::map<std::string, T>& m, const std::string& k) {
    auto it = m.find(k);
    if (it == m.end()) throw std::invalid_argument("method parameter '" + k + "' was not given (the caller passes every value)");
    return it->second;
  }
};

}  // namespace fass
