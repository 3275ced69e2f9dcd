// Grad-CAM (Selvaraju et al. 2017), as Captum's LayerGradCam: A = the layer's activation
// brought to (N,K,h,w) (channels-last grids and token sequences as activation_layout.h reads
// them, `reshape` auto | nchw | nhwc | tokens), w_k = mean over (h,w) of d f_t / d A_k, cam = ReLU(sum_k w_k A_k) (ReLU optional),
// upsampled to the input size (bilinear by default, or nearest; `none` keeps (N,1,h,w)).
#include "methods.h"
#include "errors.h"
#include "layer_capture.h"

#include <map>
#include <mutex>

namespace fass {

AttributionOutput gradcam(GradientRunner& run, const torch::Tensor& x, const torch::Tensor& targets, const Params& p,
                          SampleRng&) {
  auto& model = run.model();
  std::string layer_path = p.has("layer") ? p.text("layer") : "";
  if (layer_path.empty()) layer_path = default_layer(model, x.sizes().vec());
  auto layer = LayerModel::of(model, layer_path);
  const std::string up = p.text("upsample");
  if (up != "bilinear" && up != "nearest" && up != "none")
    throw UserError("upsample '" + up + "': expected bilinear, nearest or none");
  const bool relu = p.flag("relu");
  const std::string reshape = p.text("reshape");
  const auto t_dev = targets.to(model.device(), torch::kInt64);
  const int64_t k = model.kernel_batch(x);
  std::map<int64_t, torch::Tensor> parts;  // by first row: chunks may end in any order
  std::mutex parts_mutex;
  run.for_chunks(x.size(0), [&](int64_t b, int64_t e) {
    // Each model call is one fixed-size piece, and its gradients are taken within it: the
    // activation must be the very tensor the logits were computed from.
    auto part = in_fixed_batches(x.slice(0, b, e), k, [&](const torch::Tensor& piece, int64_t pb, int64_t rows) {
      torch::AutoGradMode grad_on(true);
      // The parameters take no gradients, so the input must, for the graph to be recorded.
      auto [logits, acts] = layer->forward(piece.detach().requires_grad_(true));
      const Grid grid = grid_of(acts.sizes().vec(), x.size(2), x.size(3), reshape, layer_path);
      auto t = pad_rows(t_dev, b + pb, rows, piece.size(0));
      auto sel = logits.gather(1, t.view({-1, 1})).view({-1});
      auto grads = to_nchw(torch::autograd::grad({sel.sum()}, {acts})[0], grid);
      // In float32 whatever the precision the activation was computed in (bf16 under autocast).
      auto a = to_nchw(acts.detach(), grid).to(torch::kFloat32);
      auto cam = (grads.to(torch::kFloat32).mean({2, 3}, true) * a).sum(1, true);
      return std::vector<torch::Tensor>{relu ? torch::relu(cam) : cam};
    })[0];
    {
      std::lock_guard<std::mutex> lock(parts_mutex);
      parts[b] = part;
    }
    run.count(e - b, e - b);
  });
  std::vector<torch::Tensor> ordered;
  for (auto& [b, part] : parts) ordered.push_back(part);
  auto cam = torch::cat(ordered);
  if (up == "none") return {cam, {}};
  namespace F = torch::nn::functional;
  auto opts = F::InterpolateFuncOptions().size(std::vector<int64_t>{x.size(2), x.size(3)});
  if (up == "bilinear") opts.mode(torch::kBilinear).align_corners(false);
  else opts.mode(torch::kNearest);
  return {F::interpolate(cam, opts), {}};
}

}  // namespace fass
