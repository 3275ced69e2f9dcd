// The engine's numeric and threading policy, set once per process before any model runs, so that
// a C++ caller of native/ gets the numbers the CLI gets. One thing it cannot set: OpenBLAS reads
// its kernel choice (OPENBLAS_CORETYPE) when it is loaded, before this runs; src/native.ts sets it
// for the addon (docs/decisions.md, "OpenBLAS kernels and bit-identical maps").
#pragma once

namespace fass {

void configure_engine();

// Returns the memory freed into the allocator's arenas to the system. glibc gives each thread that
// allocates an arena of its own and each arena keeps what is freed into it: a method run on one
// worker thread and the next on another (and LibTorch's OpenMP threads allocating inside
// operators) each kept a model call's worth of activations, so peak RSS held several calls' worth
// (densenet121 at 224 px, saliency + IG + Grad-CAM: 5.5 GB). Called when a gradient method ends
// (GradientRunner); it trims only when the arenas hold more than 256 MB free.
void release_free_memory();

}  // namespace fass
