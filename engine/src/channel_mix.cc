// Channel mixing (the feed-forward half of a block), all versions.
#include <cmath>
#include <vector>

#include "blocks.h"
#include "kernels.h"

namespace rwkv {

void ChannelMix(const LayerWeights& L, const ModelConfig& c, int T, const float* xln, float* shift,
                float* out) {
  const int C = c.n_embd, F = c.n_ffn;
  const size_t TC = static_cast<size_t>(T) * C;
  std::vector<float> sx(TC), kx(TC), k(static_cast<size_t>(T) * F);
  TokenShift(xln, T, C, shift, sx.data());
  const bool maa_style = c.arch == Arch::kV6 || c.arch == Arch::kV7;
  const bool has_r = c.arch != Arch::kV7;
  std::vector<float> rx(has_r ? TC : 0), r(has_r ? TC : 0);
  if (maa_style) {
    // v6/v7: xk = x + (sx - x) * maa_k  (likewise r for v6)
    DeltaMix(xln, sx.data(), L.ffn_mix_k, T, C, kx.data());
    if (has_r) DeltaMix(xln, sx.data(), L.ffn_mix_r, T, C, rx.data());
  } else {
    // v4/v5: xk = x * time_mix_k + sx * (1 - time_mix_k), likewise r
    LerpMix(xln, sx.data(), L.ffn_mix_k, T, C, kx.data());
    LerpMix(xln, sx.data(), L.ffn_mix_r, T, C, rx.data());
  }
  // k = relu(xk @ Wk)^2;  out = k @ Wv  [* sigmoid(xr @ Wr)]
  Linear(L.ffn_k, kx.data(), T, k.data());
  ParallelFor(T, static_cast<int64_t>(T) * F, [&](int t) {
    float* kt = &k[static_cast<size_t>(t) * F];
    for (int i = 0; i < F; ++i) kt[i] = kt[i] > 0 ? kt[i] * kt[i] : 0.0f;
  });
  Linear(L.ffn_v, k.data(), T, out);
  if (has_r) {
    Linear(L.ffn_r, rx.data(), T, r.data());
    ParallelFor(T, static_cast<int64_t>(TC) * 4, [&](int t) {
      const size_t o = static_cast<size_t>(t) * C;
      for (int i = 0; i < C; ++i) out[o + i] *= Sigmoid(r[o + i]);
    });
  }
}

}  // namespace rwkv
