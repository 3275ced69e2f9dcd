// The engine's numeric and threading policy, set once per process before any model runs, so that
// a C++ caller of native/ gets the numbers the CLI gets. One thing it cannot set: OpenBLAS reads
// its kernel choice (OPENBLAS_CORETYPE) when it is loaded, before this runs; src/native.ts sets it
// for the addon (docs/decisions.md, "OpenBLAS kernels and bit-identical maps").
#pragma once

namespace fass {

void configure_engine();

}  // namespace fass
