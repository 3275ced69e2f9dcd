#include "max_pool.h"

#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/library.h>
#include <torch/torch.h>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_set>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace fass {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

#if defined(__SSE2__)
// Four windows of a row pair at once, the same steps as the scalar loop below as SSE2 selects
// (compilers do not vectorise that loop: its stride-2 loads and byte stores). A row whose width is
// not a multiple of four ends with the last four windows again, overlapping (each window's result
// depends on its own pixels only). Returns the windows done: all of them, or none when under four.
int64_t pool_row_sse2(const float* r0, const float* r1, int64_t wo, float* o, uint8_t* a) {
  const auto pick = [](__m128 c, __m128 yes, __m128 no) { return _mm_or_ps(_mm_and_ps(c, yes), _mm_andnot_ps(c, no)); };
  const auto moves = [](__m128 v, __m128 m) { return _mm_or_ps(_mm_cmpgt_ps(v, m), _mm_cmpunord_ps(v, v)); };
  if (wo < 4) return 0;
  for (int64_t ox = 0;; ox += 4) {
    ox = std::min(ox, wo - 4);
    const __m128 a0 = _mm_loadu_ps(r0 + 2 * ox), a1 = _mm_loadu_ps(r0 + 2 * ox + 4);
    const __m128 b0 = _mm_loadu_ps(r1 + 2 * ox), b1 = _mm_loadu_ps(r1 + 2 * ox + 4);
    const __m128 v0 = _mm_shuffle_ps(a0, a1, _MM_SHUFFLE(2, 0, 2, 0)), v1 = _mm_shuffle_ps(a0, a1, _MM_SHUFFLE(3, 1, 3, 1));
    const __m128 v2 = _mm_shuffle_ps(b0, b1, _MM_SHUFFLE(2, 0, 2, 0)), v3 = _mm_shuffle_ps(b0, b1, _MM_SHUFFLE(3, 1, 3, 1));
    const __m128 c1 = moves(v1, v0), m1 = pick(c1, v1, v0);
    const __m128 c2 = moves(v2, m1), m2 = pick(c2, v2, m1);
    const __m128 c3 = moves(v3, m2);
    _mm_storeu_ps(o + ox, pick(c3, v3, m2));
    const __m128 i1 = _mm_and_ps(c1, _mm_castsi128_ps(_mm_set1_epi32(1)));
    const __m128 i2 = pick(c2, _mm_castsi128_ps(_mm_set1_epi32(2)), i1);
    const __m128i i3 = _mm_castps_si128(pick(c3, _mm_castsi128_ps(_mm_set1_epi32(3)), i2));
    const __m128i bytes = _mm_packus_epi16(_mm_packs_epi32(i3, i3), _mm_setzero_si128());
    const int32_t four = _mm_cvtsi128_si32(bytes);
    std::memcpy(a + ox, &four, 4);
    if (ox + 4 == wo) return wo;
  }
}
#endif

// One plane's 2 x 2 windows: the maximum and which of the four (0: top left, 1: top right,
// 2: bottom left, 3: bottom right) holds it. ATen's CPU kernel walks the window in that order and
// moves on when a value is greater or NaN, so the first maximum wins and the last NaN does.
void pool_plane(const float* __restrict x, int64_t h, int64_t w, float* __restrict out, uint8_t* __restrict at) {
  const int64_t ho = h / 2, wo = w / 2;
  for (int64_t oy = 0; oy < ho; ++oy) {
    const float* __restrict r0 = x + 2 * oy * w;
    const float* __restrict r1 = r0 + w;
    float* __restrict o = out + oy * wo;
    uint8_t* __restrict a = at + oy * wo;
#if defined(__SSE2__)
    const int64_t first = pool_row_sse2(r0, r1, wo, o, a);
#else
    const int64_t first = 0;
#endif
    for (int64_t ox = first; ox < wo; ++ox) {
      const float v0 = r0[2 * ox], v1 = r0[2 * ox + 1], v2 = r1[2 * ox], v3 = r1[2 * ox + 1];
      const bool c1 = v1 > v0 || v1 != v1;
      const float m1 = c1 ? v1 : v0;
      const bool c2 = v2 > m1 || v2 != v2;
      const float m2 = c2 ? v2 : m1;
      const bool c3 = v3 > m2 || v3 != v3;
      o[ox] = c3 ? v3 : m2;
      a[ox] = static_cast<uint8_t>(c3 ? 3 : c2 ? 2 : c1 ? 1 : 0);
    }
  }
}

class Pool2x2 : public torch::autograd::Function<Pool2x2> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x) {
    const int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3), ho = h / 2, wo = w / 2;
    auto out = torch::empty({n, c, ho, wo}, x.options());
    auto at = torch::empty({n, c, ho, wo}, x.options().dtype(torch::kUInt8));
    const float* px = x.data_ptr<float>();
    float* po = out.data_ptr<float>();
    uint8_t* pa = at.data_ptr<uint8_t>();
    for (int64_t p = 0; p < n * c; ++p) pool_plane(px + p * h * w, h, w, po + p * ho * wo, pa + p * ho * wo);
    ctx->save_for_backward({at});
    ctx->saved_data["h"] = h;
    ctx->saved_data["w"] = w;
    return out;
  }

  // The gradient goes to each window's maximum (windows do not overlap); first-order only, which
  // is all fass's methods take.
  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    const auto at = ctx->get_saved_variables()[0];
    const int64_t h = ctx->saved_data["h"].toInt(), w = ctx->saved_data["w"].toInt();
    const int64_t planes = at.size(0) * at.size(1), ho = at.size(2), wo = at.size(3);
    const auto g = grads[0].contiguous();
    auto gx = torch::zeros({at.size(0), at.size(1), h, w}, g.options());
    const float* pg = g.data_ptr<float>();
    const uint8_t* pa = at.data_ptr<uint8_t>();
    float* px = gx.data_ptr<float>();
    for (int64_t p = 0; p < planes; ++p) {
      float* plane = px + p * h * w;
      for (int64_t oy = 0; oy < ho; ++oy)
        for (int64_t ox = 0; ox < wo; ++ox) {
          const int64_t i = (p * ho + oy) * wo + ox;
          plane[(2 * oy + (pa[i] >> 1)) * w + 2 * ox + (pa[i] & 1)] = pg[i];
        }
    }
    return {gx};
  }
};

bool is_pair(c10::IntArrayRef v, int64_t x) { return (v.size() == 1 && v[0] == x) || (v.size() == 2 && v[0] == x && v[1] == x); }

TORCH_LIBRARY(fass, m) {
  m.def("max_pool2d(Tensor self, int[2] kernel_size, int[2] stride=[], int[2] padding=0, int[2] dilation=1, bool ceil_mode=False) -> Tensor",
        &fass::max_pool2d);
}

// Rewrites aten::max_pool2d nodes in block b (and its sub-blocks), and in functions it calls.
// Returns how many it rewrote.
int rewrite_block(torch::jit::Block* b, std::unordered_set<torch::jit::Graph*>& seen);

int rewrite_graph(torch::jit::Graph* g, std::unordered_set<torch::jit::Graph*>& seen) {
  if (!seen.insert(g).second) return 0;
  return rewrite_block(g->block(), seen);
}

int rewrite_block(torch::jit::Block* b, std::unordered_set<torch::jit::Graph*>& seen) {
  static const auto aten_pool = c10::Symbol::fromQualString("aten::max_pool2d");
  static const auto fass_pool = c10::Symbol::fromQualString("fass::max_pool2d");
  int count = 0;
  for (auto it = b->nodes().begin(); it != b->nodes().end();) {
    torch::jit::Node* n = *it;
    ++it;  // n may be destroyed below
    for (torch::jit::Block* sub : n->blocks()) count += rewrite_block(sub, seen);
    if (n->kind() == c10::prim::CallFunction) {
      if (auto fn_type = n->input(0)->type()->cast<c10::FunctionType>())
        if (auto* gf = dynamic_cast<torch::jit::GraphFunction*>(fn_type->function())) count += rewrite_graph(gf->graph().get(), seen);
      continue;
    }
    if (n->kind() != aten_pool || n->inputs().size() != 6 || n->outputs().size() != 1) continue;
    torch::jit::Node* fast = b->owningGraph()->create(fass_pool, n->inputs(), 1);
    fast->insertBefore(n);
    fast->output()->setType(n->output()->type());
    n->output()->replaceAllUsesWith(fast->output());
    n->destroy();
    ++count;
  }
  return count;
}

}  // namespace

torch::Tensor max_pool2d(const torch::Tensor& x, c10::IntArrayRef kernel, c10::IntArrayRef stride, c10::IntArrayRef padding,
                         c10::IntArrayRef dilation, bool ceil_mode) {
  const bool fast = x.device().is_cpu() && x.scalar_type() == torch::kFloat32 && x.dim() == 4 && x.is_contiguous() &&
                    x.size(2) >= 2 && x.size(3) >= 2 && is_pair(kernel, 2) && (stride.empty() || is_pair(stride, 2)) &&
                    is_pair(padding, 0) && is_pair(dilation, 1) && !ceil_mode;
  if (!fast) return at::max_pool2d(x, kernel, stride, padding, dilation, ceil_mode);
  return Pool2x2::apply(x);
}

int use_fast_max_pool(torch::jit::Module& module) {
  std::unordered_set<torch::jit::Graph*> seen;
  int count = 0;
  for (const auto& m : module.modules())
    for (const auto& method : m.get_methods()) count += rewrite_graph(method.graph().get(), seen);
  return count;
}

}  // namespace fass
