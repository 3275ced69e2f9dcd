// Argument checks for the kernels: a failed check is the caller's mistake (a UserError).
#pragma once
#include <string>
#include "errors.h"

namespace fass::kernels {

inline void require(bool ok, const std::string& message) {
  if (!ok) throw UserError(message);
}

}  // namespace fass::kernels
