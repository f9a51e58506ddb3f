// RWKV-7 "Goose" time mixing (the official RWKV_x070 reference): a generalized delta rule
// with a value residual from layer 0.
#include <cmath>
#include <vector>

#include "blocks.h"
#include "kernels.h"
#include "row_dot.h"

namespace rwkv {

void TimeMixV7(const LayerWeights& L, const ModelConfig& c, int layer, int T, const float* xln,
               float* shift, float* wkv, float* v_first, float* out) {
  const int C = c.n_embd, H = c.n_head, N = c.head_size;
  const size_t TC = static_cast<size_t>(T) * C;
  std::vector<float> sx(TC);
  TokenShift(xln, T, C, shift, sx.data());
  // xx = x_prev - x;  xr = x + xx * x_r, likewise w, k, v, a, g
  const Vec* mix[6] = {&L.x_r, &L.x_w, &L.x_k, &L.x_v, &L.x_a, &L.x_g};
  std::vector<float> xm[6];
  for (int j = 0; j < 6; ++j) {
    xm[j].resize(TC);
    DeltaMix(xln, sx.data(), *mix[j], T, C, xm[j].data());
  }
  const int R = std::max(std::max(c.w_lora, c.a_lora), std::max(c.v_lora, c.g_lora));
  std::vector<float> low(static_cast<size_t>(T) * R);
  std::vector<float> r(TC), w(TC), k(TC), v(TC), a(TC), g(TC), y(TC);
  Linear(L.att_r, xm[0].data(), T, r.data());  // r = xr @ Wr
  // w = tanh(xw @ w1) @ w2
  Linear(L.w1, xm[1].data(), T, low.data());
  for (size_t i = 0; i < static_cast<size_t>(T) * c.w_lora; ++i) low[i] = std::tanh(low[i]);
  Linear(L.w2, low.data(), T, w.data());
  Linear(L.att_k, xm[2].data(), T, k.data());  // k = xk @ Wk
  Linear(L.att_v, xm[3].data(), T, v.data());  // v = xv @ Wv
  // a = sigmoid(a0 + (xa @ a1) @ a2)
  Linear(L.a1, xm[4].data(), T, low.data());
  Linear(L.a2, low.data(), T, a.data());
  PerChannel(T, C, [&](size_t i, int ch) { a[i] = Sigmoid(L.a0[ch] + a[i]); });
  // g = sigmoid(xg @ g1) @ g2
  Linear(L.g1, xm[5].data(), T, low.data());
  for (size_t i = 0; i < static_cast<size_t>(T) * c.g_lora; ++i) low[i] = Sigmoid(low[i]);
  Linear(L.g2, low.data(), T, g.data());
  if (layer == 0) {
    std::copy(v.begin(), v.end(), v_first);  // v_first = v
  } else {
    // v = v + (v_first - v) * sigmoid(v0 + (xv @ v1) @ v2)
    std::vector<float> vg(TC);
    Linear(L.v1, xm[3].data(), T, low.data());
    Linear(L.v2, low.data(), T, vg.data());
    PerChannel(T, C,
               [&](size_t i, int ch) { v[i] += (v_first[i] - v[i]) * Sigmoid(L.v0[ch] + vg[i]); });
  }
  // w = exp(-exp(-0.5) * sigmoid(w0 + w)), i.e. exp(-exp(-softplus(-(w0 + w)) - 0.5))
  const float kDecayScale = std::exp(-0.5f);
  PerChannel(T, C,
             [&](size_t i, int ch) { w[i] = std::exp(-kDecayScale * Sigmoid(L.w0[ch] + w[i])); });

  // Heads are independent: each runs through all T tokens, heads in parallel.
  ParallelFor(H, static_cast<int64_t>(TC) * N * 4, [&](int h) {
    const int b = h * N;
    float* s = wkv + static_cast<size_t>(h) * N * N;
    std::vector<float> kk(N), sa(N);
    for (int t = 0; t < T; ++t) {
      const size_t o = static_cast<size_t>(t) * C;
      // kk = normalize(k * k_k) per head (L2, eps 1e-12)
      double norm = 0.0;
      for (int i = 0; i < N; ++i) {
        kk[i] = k[o + b + i] * L.k_k[b + i];
        norm += static_cast<double>(kk[i]) * kk[i];
      }
      const float inv = 1.0f / std::max(static_cast<float>(std::sqrt(norm)), 1e-12f);
      for (int i = 0; i < N; ++i) kk[i] *= inv;
      // k = k * (1 + (a - 1) * k_a)
      for (int i = 0; i < N; ++i) k[o + b + i] *= 1 + (a[o + b + i] - 1) * L.k_a[b + i];
      // state[v][j] = state[v][j] * w[j] + (state @ (-kk)^T (kk * a))[v][j] + v[v] * k[j]
      // y[v] = sum_j state[v][j] * r[j]
      // (The sums over j use the vectorized dot product: a plain serial sum would be bound by
      // the latency of one addition per value.)
      for (int vi = 0; vi < N; ++vi) {
        sa[vi] =
            -RowDot(DType::kF32, reinterpret_cast<const uint8_t*>(s + static_cast<size_t>(vi) * N),
                    kk.data(), N);
      }
      for (int vi = 0; vi < N; ++vi) {
        float* row = s + static_cast<size_t>(vi) * N;
        const float vv = v[o + b + vi], sav = sa[vi];
        for (int j = 0; j < N; ++j) {
          row[j] = row[j] * w[o + b + j] + sav * kk[j] * a[o + b + j] + vv * k[o + b + j];
        }
        y[o + b + vi] = RowDot(DType::kF32, reinterpret_cast<const uint8_t*>(row), &r[o + b], N);
      }
      // y = group_norm(y, H, ln_x, eps = 64e-5) + sum_head(r * k * r_k) * v;  y = y * g
      // (group_norm: one group per head)
      GroupNorm(&y[o + b], L.ln_x_w.data() + b, L.ln_x_b.data() + b, N, 1, 64e-5f);
      float dot = 0.0f;
      for (int i = 0; i < N; ++i) dot += r[o + b + i] * k[o + b + i] * L.r_k[b + i];
      for (int i = 0; i < N; ++i) y[o + b + i] = (y[o + b + i] + dot * v[o + b + i]) * g[o + b + i];
    }
  });
  Linear(L.att_o, y.data(), T, out);  // out = (y * g) @ Wo
}

}  // namespace rwkv
