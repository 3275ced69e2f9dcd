// Errors the engine raises. `UserError` means the caller's input is at fault (a missing or corrupt
// model file, a shape the model does not accept, a device this build cannot use); the bindings
// turn it into a JS error with code "E_FASS_USER" so the CLI exits 2. Anything else is internal.
#pragma once
#include <stdexcept>
#include <string>
#include <vector>
#include <cstdint>

namespace fass {

struct UserError : std::runtime_error {
  explicit UserError(const std::string& what) : std::runtime_error(what) {}
};

struct ShapeError : UserError {
  ShapeError(const std::string& what, std::vector<int64_t> expected, std::vector<int64_t> got)
      : UserError(what), expected(std::move(expected)), got(std::move(got)) {}
  std::vector<int64_t> expected;  // -1 for a dimension any size will do
  std::vector<int64_t> got;
};

std::string shape_str(const std::vector<int64_t>& s);

// True for an allocation failure (CPU or CUDA): the one error answered by halving a batch.
bool is_out_of_memory(const std::exception& e);

}  // namespace fass
