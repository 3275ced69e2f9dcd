#include "train.h"
#include "device.h"
#include "errors.h"

#include <cmath>
#include <cstdio>
#include <deque>

namespace fass {

TrainStats train_classifier(torch::jit::Module& model, const torch::Tensor& images, const torch::Tensor& labels,
                            const TrainConfig& cfg, const TrainProgress& progress) {
  const auto device = parse_device(cfg.device);
  const int64_t n = images.size(0);
  if (n == 0) throw UserError("no training images");
  if (labels.size(0) != n) throw UserError("images and labels differ in count");
  torch::manual_seed(cfg.seed);
  auto gen = at::make_generator<at::CPUGeneratorImpl>(cfg.seed);

  model.to(device);
  model.train();
  std::vector<torch::Tensor> params;
  for (auto p : model.parameters()) {
    p.requires_grad_(true);
    params.push_back(p);
  }
  torch::optim::Adam opt(params, torch::optim::AdamOptions(cfg.lr).weight_decay(cfg.weight_decay));
  const auto x_all = images.to(torch::kFloat32);
  const auto y_all = labels.to(torch::kInt64);

  TrainStats stats;
  torch::Tensor order;
  int64_t cursor = n;  // forces a shuffle on the first step
  std::deque<double> recent;
  double recent_sum = 0;
  for (int64_t step = 0; step < cfg.steps; ++step) {
    if (cursor + cfg.batch_size > n) {
      order = torch::randperm(n, gen, torch::kInt64);
      cursor = 0;
      ++stats.epochs_seen;
    }
    auto idx = order.slice(0, cursor, cursor + cfg.batch_size);
    cursor += cfg.batch_size;
    auto x = x_all.index_select(0, idx).to(device);
    auto y = y_all.index_select(0, idx).to(device);

    // Cosine decay keeps the last steps small, which steadies the final accuracy.
    const double t = static_cast<double>(step) / std::max<int64_t>(1, cfg.steps);
    const double lr = cfg.lr * (0.05 + 0.95 * 0.5 * (1 + std::cos(M_PI * t)));
    for (auto& g : opt.param_groups()) static_cast<torch::optim::AdamOptions&>(g.options()).lr(lr);

    opt.zero_grad();
    auto logits = model.forward({x}).toTensor();
    auto loss = torch::nn::functional::cross_entropy(logits, y);
    loss.backward();
    opt.step();

    const double l = loss.item<double>();
    recent.push_back(l);
    recent_sum += l;
    if (recent.size() > 50) {
      recent_sum -= recent.front();
      recent.pop_front();
    }
    stats.steps = step + 1;
    stats.final_loss = recent_sum / recent.size();
    if (progress) progress(step + 1, cfg.steps, stats.final_loss);
  }
  model.eval();
  for (auto p : model.parameters()) p.requires_grad_(false);
  model.to(torch::kCPU);
  return stats;
}

void save_module(torch::jit::Module& model, const std::string& path, const std::string& card_json) {
  const std::string tmp = path + ".partial";
  torch::jit::ExtraFilesMap extra{{"fass.json", card_json}};
  model.save(tmp, extra);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw std::runtime_error("could not rename " + tmp + " to " + path);
}

}  // namespace fass
