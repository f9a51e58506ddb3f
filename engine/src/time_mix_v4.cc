// RWKV-4 time mixing (the official rwkv package's att_one / att_seq).
#include <algorithm>
#include <cmath>
#include <vector>

#include "blocks.h"
#include "kernels.h"

namespace rwkv {

void TokenShift(const float* xln, int T, int C, float* shift, float* sx) {
  std::copy(shift, shift + C, sx);
  std::copy(xln, xln + static_cast<size_t>(T - 1) * C, sx + C);
  std::copy(xln + static_cast<size_t>(T - 1) * C, xln + static_cast<size_t>(T) * C, shift);
}

void TimeMixV4(const LayerWeights& L, const ModelConfig& c, int T, const float* xln, float* shift,
               float* wkv, float* out) {
  const int C = c.n_embd;
  const size_t TC = static_cast<size_t>(T) * C;
  std::vector<float> sx(TC), kx(TC), vx(TC), rx(TC), k(TC), v(TC), r(TC);
  TokenShift(xln, T, C, shift, sx.data());
  // xk = x * time_mix_k + sx * (1 - time_mix_k), likewise v and r
  LerpMix(xln, sx.data(), L.mix_k, T, C, kx.data());
  LerpMix(xln, sx.data(), L.mix_v, T, C, vx.data());
  LerpMix(xln, sx.data(), L.mix_r, T, C, rx.data());
  Linear(L.att_k, kx.data(), T, k.data());
  Linear(L.att_v, vx.data(), T, v.data());
  Linear(L.att_r, rx.data(), T, r.data());
  float* aa = wkv;
  float* bb = wkv + C;
  float* pp = wkv + 2 * C;
  std::vector<float>& y = sx;  // reuse: r * wkv
  // Channels are independent: blocks of them run in parallel, each through all T tokens.
  const int block = 64;
  ParallelFor((C + block - 1) / block, static_cast<int64_t>(TC) * 8, [&](int bi) {
    const int i0 = bi * block, i1 = std::min(C, i0 + block);
    for (int t = 0; t < T; ++t) {
      const float* kt = &k[static_cast<size_t>(t) * C];
      const float* vt = &v[static_cast<size_t>(t) * C];
      for (int i = i0; i < i1; ++i) {
        // ww = u + k; p = max(pp, ww); wkv = (e^(pp-p) aa + e^(ww-p) v) / (e^(pp-p) bb + e^(ww-p))
        float ww = L.time_first[i] + kt[i];
        float p = std::max(pp[i], ww);
        float e1 = std::exp(pp[i] - p), e2 = std::exp(ww - p);
        const float wkv_i = (e1 * aa[i] + e2 * vt[i]) / (e1 * bb[i] + e2);
        // ww = w + pp (w = -exp(decay)); p = max(ww, k); aa = e1 aa + e2 v; bb = e1 bb + e2; pp = p
        ww = L.time_decay[i] + pp[i];
        p = std::max(ww, kt[i]);
        e1 = std::exp(ww - p);
        e2 = std::exp(kt[i] - p);
        aa[i] = e1 * aa[i] + e2 * vt[i];
        bb[i] = e1 * bb[i] + e2;
        pp[i] = p;
        const size_t at = static_cast<size_t>(t) * C + i;
        y[at] = Sigmoid(r[at]) * wkv_i;  // r = sigmoid(xr @ Wr)
      }
    }
  });
  Linear(L.att_o, y.data(), T, out);  // out = (r * wkv) @ Wo
}

}  // namespace rwkv
