// OSR's per-image GANs (SPEC.md section 7), K of them trained at once as one batched model.
// Image k has its own generator G_k and discriminator D_k (stacked weights, see batched_mlp.h);
// every random draw of image k (initial weights, latent codes, dropout masks, final samples)
// comes from its own generator seeded with seeds[k], so training K images together gives what
// training each alone gives, to float rounding.
#pragma once
#include <torch/torch.h>
#include <functional>
#include <vector>
#include "script_model.h"

namespace fass::osr {

// The options (widths, copies, epochs, batch, lr, lambdas, delta, samples, noise_eps) have no
// values here: the caller passes each (src/metrics/osr.ts OsrOptions holds the defaults). The
// rest is the architecture SPEC.md fixes.
struct GanConfig {
  int64_t latent = 100;
  std::vector<int64_t> g_hidden;  // then C*H*W
  std::vector<int64_t> d_hidden;  // then 1
  double slope = 0.2;     // LeakyReLU
  double dropout = 0.3;   // generator only
  int64_t copies;         // real data: copies of x per epoch
  int64_t epochs;
  int64_t batch;
  double lr, beta1 = 0.5, beta2 = 0.999;
  double lambda_y, lambda_ce;
  double delta;           // S(x): same argmax and |f_y(x) - f_y(x')| <= delta
  int64_t samples;        // drawn after training
  double noise_eps;       // uniform-noise baseline x + U(-eps, eps), clamped to [0, 1]; < 0: matched to the GAN samples' distance
};

struct GanResult {
  torch::Tensor samples;       // [K*N, C, H, W] generated samples, image-major, on the CPU
  torch::Tensor sample_pred;   // [K*N] int64 argmax f(x')
  torch::Tensor sample_shift;  // [K*N] f_y(x') - f_y(x)
  torch::Tensor accepted;      // [K*N] bool: x' in S(x)
  torch::Tensor sample_dist;   // [K*N] ||x' - x||_2
  torch::Tensor noise_pred;    // [K*N] argmax f(x + u)
  torch::Tensor noise_shift;   // [K*N] f_y(x + u) - f_y(x)
  torch::Tensor noise_dist;    // [K*N] ||u||_2 after clamping
  torch::Tensor noise_eps;     // [K] the eps each image's noise used
  torch::Tensor clean_logit;   // [K] f_y(x)
  torch::Tensor d_loss, g_loss;  // [K] per image, mean over the last epoch's steps
  int64_t steps = 0;
};

// step, total steps
using GanProgress = std::function<void(int64_t, int64_t)>;

// Optimiser steps one training runs: epochs x ceil(copies / batch).
int64_t gan_steps(const GanConfig& cfg);

// x [K, C, H, W] in [0,1]; y [K] the classes explained (argmax f(x)); seeds [K] the GAN draws;
// noise_seeds [K] the noise baseline's draws. f is the classifier; gradients flow to G through
// its input, its own weights stay fixed.
GanResult train_osr_gans(ScriptModel& f, const torch::Tensor& x, const torch::Tensor& y, const torch::Tensor& seeds,
                         const torch::Tensor& noise_seeds, const GanConfig& cfg, const GanProgress& progress = nullptr);

}  // namespace fass::osr
