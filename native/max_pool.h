// A faster 2 x 2 max pool for TorchScript models on the CPU. LibTorch 1.13's CPU max_pool2d on
// NCHW float32 is slower than the convolutions around it (a 256 x 16 x 28 x 28 batch: 25 ms
// forward against 20 ms for a 16 -> 16 channel 3 x 3 convolution); the reference CNN pools twice,
// so attribution methods that run the model forward and backward spent a third of their time
// pooling.
//
// use_fast_max_pool rewrites every aten::max_pool2d call in a module's graphs into
// fass::max_pool2d, which has the same schema and semantics: 2 x 2 windows with stride 2, no
// padding, no dilation, floor mode, on contiguous float32 CPU tensors take the fast path (same
// values, same argmax among ties and NaNs as ATen's CPU kernel, hence the same gradients); any
// other case calls at::max_pool2d itself.
#pragma once
#include <torch/script.h>

namespace fass {

// Returns how many calls it rewrote.
int use_fast_max_pool(torch::jit::Module& module);

// The op itself (for tests): fass::max_pool2d with ATen's max_pool2d arguments.
torch::Tensor max_pool2d(const torch::Tensor& x, c10::IntArrayRef kernel, c10::IntArrayRef stride, c10::IntArrayRef padding,
                         c10::IntArrayRef dilation, bool ceil_mode);

}  // namespace fass
