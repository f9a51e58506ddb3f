// RWKV-5 time mixing: v5.0 (att_one_v5), v5.1 and v5.2 (att_one_v5_1, per-channel decay).
#include <cmath>
#include <vector>

#include "blocks.h"
#include "kernels.h"

namespace rwkv {

namespace {
// One step of the v5/v6 WKV for all heads, state s[h][i][j] (i: key channel, j: value channel):
//   out[j] = sum_i r[i] * (u[i] * k[i] * v[j] + s[i][j]);  s[i][j] = k[i] * v[j] + w[i] * s[i][j]
void WkvStep(int H, int N, const float* r, const float* k, const float* v, const float* w,
             const float* u, float* s, float* out) {
  for (int h = 0; h < H; ++h) {
    float* sh = s + static_cast<size_t>(h) * N * N;
    const int o = h * N;
    float* y = out + o;
    for (int j = 0; j < N; ++j) y[j] = 0.0f;
    for (int i = 0; i < N; ++i) {
      const float ri = r[o + i], ki = k[o + i], wi = w[o + i];
      const float ruk = ri * u[o + i] * ki;
      float* row = sh + static_cast<size_t>(i) * N;
      for (int j = 0; j < N; ++j) {
        const float vj = v[o + j];
        y[j] += ri * row[j] + ruk * vj;
        row[j] = ki * vj + wi * row[j];
      }
    }
  }
}
}  // namespace

void WkvV5V6(int H, int N, const float* r, const float* k, const float* v, const float* w,
             const float* u, float* s, float* out) {
  WkvStep(H, N, r, k, v, w, u, s, out);
}

void TimeMixV5(const LayerWeights& L, const ModelConfig& c, int T, const float* xln, float* shift,
               float* wkv, float* out) {
  const int C = c.n_embd, H = c.n_head, N = c.head_size;
  const bool gated = c.arch != Arch::kV5_0;
  const size_t TC = static_cast<size_t>(T) * C;
  std::vector<float> sx(TC), kx(TC), vx(TC), rx(TC), gx(gated ? TC : 0);
  std::vector<float> k(TC), v(TC), r(TC), g(gated ? TC : 0), y(TC);
  TokenShift(xln, T, C, shift, sx.data());
  // xk = x * time_mix_k + sx * (1 - time_mix_k), likewise v, r, g
  LerpMix(xln, sx.data(), L.mix_k, T, C, kx.data());
  LerpMix(xln, sx.data(), L.mix_v, T, C, vx.data());
  LerpMix(xln, sx.data(), L.mix_r, T, C, rx.data());
  if (gated) LerpMix(xln, sx.data(), L.mix_g, T, C, gx.data());
  Linear(L.att_k, kx.data(), T, k.data());
  Linear(L.att_v, vx.data(), T, v.data());
  Linear(L.att_r, rx.data(), T, r.data());
  if (gated) Linear(L.att_g, gx.data(), T, g.data());
  // Heads are independent: each runs through all T tokens, heads in parallel.
  ParallelFor(H, static_cast<int64_t>(TC) * N * 2, [&](int h) {
    const int b = h * N;
    float* s = wkv + static_cast<size_t>(h) * N * N;
    for (int t = 0; t < T; ++t) {
      const size_t o = static_cast<size_t>(t) * C + b;
      WkvStep(1, N, &r[o], &k[o], &v[o], L.time_decay.data() + b, L.time_first.data() + b, s,
              &y[o]);
      // out = group_norm(out, H, ln_x, eps = 64e-5): one group per head
      GroupNorm(&y[o], L.ln_x_w.data() + b, L.ln_x_b.data() + b, N, 1, 64e-5f);
    }
  });
  if (gated) SiluGate(g.data(), T, C, y.data());  // out = out * silu(xg @ Wg)
  Linear(L.att_o, y.data(), T, out);
}

}  // namespace rwkv
