// How many rows a model call may take within a memory budget. A row's cost is measured, not
// guessed: one call of the model on mid-grey rows of the run's shape (forward and backward for
// gradient methods), its peak memory over what was live before it (peak RSS on the CPU, after
// returning the allocator's free pages to the system; the caching allocator's peak on CUDA).
// Any model, input size and precision is measured as it will run.
#pragma once
#include <torch/torch.h>
#include <cstdint>

namespace fass {

class ScriptModel;

// Bytes one row of x's shape takes in a call of `model` (with gradients or without), or 0 where
// this platform cannot measure it (then no budget applies).
int64_t measure_row_bytes(ScriptModel& model, const torch::Tensor& x, bool with_grad);

// Rows that fit `budget` bytes at `row_bytes` a row: at least one; unlimited (INT64_MAX) when
// either is unknown (0).
int64_t rows_within(int64_t budget, int64_t row_bytes);

}  // namespace fass
