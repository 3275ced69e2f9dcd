#include "osr/gan.h"
#include "osr/batched_mlp.h"
#include "errors.h"
#include "sample_rng.h"

#include <cmath>

namespace fass::osr {

int64_t gan_steps(const GanConfig& cfg) { return cfg.epochs * ((cfg.copies + cfg.batch - 1) / cfg.batch); }

namespace {

void check(const GanConfig& cfg) {
  auto positive = [](int64_t v, const char* what) {
    if (v < 1) throw UserError(std::string("OSR GAN: ") + what + " must be >= 1, got " + std::to_string(v));
  };
  positive(cfg.latent, "latent size");
  positive(cfg.copies, "copies");
  positive(cfg.epochs, "epochs");
  positive(cfg.batch, "batch");
  positive(cfg.samples, "samples");
  if (!(cfg.dropout >= 0 && cfg.dropout < 1)) throw UserError("OSR GAN: dropout must be in [0, 1), got " + std::to_string(cfg.dropout));
  if (std::isnan(cfg.noise_eps)) throw UserError("OSR GAN: noise eps must be a number >= 0, or negative for \"match\"");
  for (auto w : cfg.g_hidden) positive(w, "generator width");
  for (auto w : cfg.d_hidden) positive(w, "discriminator width");
}

// Per-image mean over dim 1 of [K, B] (or [K, B, 1]) values.
torch::Tensor per_image_mean(const torch::Tensor& t) { return t.reshape({t.size(0), -1}).mean(1); }

}  // namespace

GanResult train_osr_gans(ScriptModel& f, const torch::Tensor& x_in, const torch::Tensor& y_in, const torch::Tensor& seeds,
                         const torch::Tensor& noise_seeds, const GanConfig& cfg, const GanProgress& progress) {
  check(cfg);
  if (x_in.dim() != 4) throw ShapeError("OSR: images must be (K,C,H,W), got " + shape_str(x_in.sizes().vec()), {-1, -1, -1, -1}, x_in.sizes().vec());
  const int64_t K = x_in.size(0);
  if (y_in.numel() != K || seeds.numel() != K || noise_seeds.numel() != K)
    throw UserError("OSR: images, targets and seeds differ in count");
  const auto dev = f.device();
  const int64_t C = x_in.size(1), H = x_in.size(2), W = x_in.size(3), P = C * H * W;
  const auto x = x_in.to(dev, torch::kFloat32).contiguous();
  const auto y = y_in.to(dev, torch::kInt64).view({K});
  const auto x_flat = x.view({K, 1, P});

  SampleRng rng(seeds);
  std::vector<int64_t> gw{cfg.latent};
  gw.insert(gw.end(), cfg.g_hidden.begin(), cfg.g_hidden.end());
  gw.push_back(P);
  std::vector<int64_t> dw{P};
  dw.insert(dw.end(), cfg.d_hidden.begin(), cfg.d_hidden.end());
  dw.push_back(1);
  BatchedMlp G(gw, rng, dev);  // each image: G's weights, then D's, from its own generator
  BatchedMlp D(dw, rng, dev);
  auto adam = [&](const std::vector<torch::Tensor>& p) {
    return torch::optim::Adam(p, torch::optim::AdamOptions(cfg.lr).betas({cfg.beta1, cfg.beta2}));
  };
  auto opt_g = adam(G.parameters());
  auto opt_d = adam(D.parameters());

  torch::Tensor fy_x;  // f_y(x), [K]
  {
    torch::NoGradGuard ng;
    fy_x = f.forward(x).gather(1, y.view({K, 1})).view({K});
  }

  GanResult r;
  const int64_t per_epoch = (cfg.copies + cfg.batch - 1) / cfg.batch;
  const int64_t total = cfg.epochs * per_epoch;
  auto d_sum = torch::zeros({K}), g_sum = torch::zeros({K});
  for (int64_t step = 0; step < total; ++step) {
    torch::AutoGradMode grad_on(true);
    const int64_t in_epoch = step % per_epoch;
    const int64_t b = std::min(cfg.batch, cfg.copies - in_epoch * cfg.batch);  // the last batch is short
    auto z = rng.randn({b, cfg.latent}, dev);                                     // [K, b, latent]
    auto masks = dropout_masks(rng, b, cfg.g_hidden, cfg.dropout, dev);
    auto fake = torch::sigmoid(G.forward(z, cfg.slope, &masks));  // [K, b, P]

    // Discriminator: BCE(D(x), 1) + BCE(D(G(z)), 0). The real batch is b copies of x, whose mean
    // BCE is that of one copy: D runs on x once.
    opt_d.zero_grad();
    auto d_real = D.forward(x_flat, cfg.slope);          // [K, 1, 1]
    auto d_fake = D.forward(fake.detach(), cfg.slope);   // [K, b, 1]
    auto loss_d = per_image_mean(torch::softplus(-d_real)) + per_image_mean(torch::softplus(d_fake));  // [K]
    loss_d.sum().backward();
    opt_d.step();

    // Generator: BCE(D(G(z)), 1) + lambda_y mean ReLU(|f_y(x) - f_y(G(z))| - delta) + lambda_ce CE(f(G(z)), y).
    opt_g.zero_grad();
    for (auto& p : D.parameters()) p.requires_grad_(false);  // D is fixed here: no weight gradients
    auto adv = per_image_mean(torch::softplus(-D.forward(fake, cfg.slope)));
    auto logits = f.forward(fake.reshape({K * b, C, H, W}));  // [K*b, classes]
    auto yy = y.view({K, 1}).expand({K, b}).reshape({K * b});
    auto fy = logits.gather(1, yy.view({-1, 1})).view({K, b});
    auto l_y = per_image_mean(torch::relu((fy_x.view({K, 1}) - fy).abs() - cfg.delta));
    auto ce = per_image_mean(torch::nn::functional::cross_entropy(
        logits, yy, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone)).view({K, b}));
    auto loss_g = adv + cfg.lambda_y * l_y + cfg.lambda_ce * ce;  // [K]
    loss_g.sum().backward();
    opt_g.step();
    for (auto& p : D.parameters()) p.requires_grad_(true);

    if (step >= total - per_epoch) {
      d_sum += loss_d.detach().to(torch::kCPU);
      g_sum += loss_g.detach().to(torch::kCPU);
    }
    r.steps = step + 1;
    if (progress) progress(step + 1, total);
  }
  r.d_loss = d_sum / static_cast<double>(std::min(per_epoch, total));
  r.g_loss = g_sum / static_cast<double>(std::min(per_epoch, total));

  torch::NoGradGuard ng;
  const int64_t N = cfg.samples;
  // Samples: G in evaluation mode (no dropout), N latent codes from each image's generator.
  auto z = rng.randn({N, cfg.latent}, dev);
  auto samples = torch::sigmoid(G.forward(z, cfg.slope)).reshape({K * N, C, H, W});
  auto yy = y.view({K, 1}).expand({K, N}).reshape({K * N});
  auto fy_rep = fy_x.view({K, 1}).expand({K, N}).reshape({K * N});
  auto x_rep = x.unsqueeze(1).expand({K, N, C, H, W}).reshape({K * N, C, H, W});
  auto judge = [&](const torch::Tensor& xs, torch::Tensor& pred, torch::Tensor& shift) {
    auto logits = f.forward(xs);
    pred = logits.argmax(1).to(torch::kCPU);
    shift = (logits.gather(1, yy.view({-1, 1})).view({-1}) - fy_rep).to(torch::kCPU);
  };
  judge(samples, r.sample_pred, r.sample_shift);
  r.accepted = (r.sample_pred == yy.to(torch::kCPU)).logical_and(r.sample_shift.abs() <= cfg.delta);
  r.sample_dist = (samples - x_rep).reshape({K * N, P}).norm(2, 1).to(torch::kCPU);

  // The uniform-noise baseline: the same count of neighbours x + U(-eps, eps), clamped to [0, 1].
  // eps < 0 means "match": per image, the eps whose noise has the expected L2 norm
  // eps * sqrt(P / 3) equal to the mean distance of its accepted GAN samples (of all its samples
  // when none was accepted), so both kinds of neighbour are compared at the same distance
  // (before clamping, which only shortens the noise; the distances reached are reported).
  SampleRng noise_rng(noise_seeds);
  auto u = noise_rng.rand({N, C, H, W}, dev).reshape({K * N, C, H, W});
  torch::Tensor eps;
  if (cfg.noise_eps >= 0) {
    eps = torch::full({K * N, 1, 1, 1}, cfg.noise_eps, x.options());
  } else {
    auto dist = r.sample_dist.view({K, N}).to(torch::kFloat64);
    auto acc = r.accepted.view({K, N}).to(torch::kFloat64);
    auto n_acc = acc.sum(1);
    auto mean_acc = (dist * acc).sum(1) / n_acc.clamp_min(1);
    auto mean = torch::where(n_acc > 0, mean_acc, dist.mean(1));
    eps = (mean / std::sqrt(static_cast<double>(P) / 3.0)).to(x.scalar_type()).to(dev);
    eps = eps.view({K, 1}).expand({K, N}).reshape({K * N, 1, 1, 1});
  }
  r.noise_eps = eps.view({K, N}).select(1, 0).to(torch::kCPU, torch::kFloat32).contiguous();
  auto noisy = (x_rep + (u * 2 - 1) * eps).clamp(0, 1);
  judge(noisy, r.noise_pred, r.noise_shift);
  r.noise_dist = (noisy - x_rep).reshape({K * N, P}).norm(2, 1).to(torch::kCPU);

  r.samples = samples.to(torch::kCPU).contiguous();
  r.clean_logit = fy_x.to(torch::kCPU);
  return r;
}

}  // namespace fass::osr
