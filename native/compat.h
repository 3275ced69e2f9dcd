// Spellings that differ between the LibTorch versions fass builds against: Debian's 1.13 and the
// 2.x of a Python PyTorch wheel (checked against 2.11). One source builds with both.
#pragma once
#include <torch/version.h>
#include <c10/util/Optional.h>
#include <optional>

// 2.4 made c10::optional an alias of std::optional (and c10::nullopt of std::nullopt); before, it
// was its own class that takes only c10::nullopt. Optional arguments of ATen functions are
// std::optional from then on.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define FASS_NULLOPT std::nullopt
#else
#define FASS_NULLOPT c10::nullopt
#endif
