// RWKV-6 time mixing (the official rwkv package's att_one_v6_0): data-dependent token shift
// and decay.
#include <cmath>
#include <vector>

#include "blocks.h"
#include "kernels.h"

namespace rwkv {

void TimeMixV6(const LayerWeights& L, const ModelConfig& c, int T, const float* xln, float* shift,
               float* wkv, float* out) {
  const int C = c.n_embd, H = c.n_head, N = c.head_size;
  const int D = c.maa_lora, D2 = c.decay_lora;
  const size_t TC = static_cast<size_t>(T) * C;
  std::vector<float> sx(TC), xxx(TC), lora(static_cast<size_t>(T) * 5 * D);
  std::vector<float> part(static_cast<size_t>(T) * std::max(D, D2));
  TokenShift(xln, T, C, shift, sx.data());
  // sx = sx - xx;  xxx = xx + sx * time_maa_x
  ParallelFor(T, static_cast<int64_t>(TC), [&](int t) {
    const size_t o = static_cast<size_t>(t) * C;
    for (int ch = 0; ch < C; ++ch) {
      sx[o + ch] -= xln[o + ch];
      xxx[o + ch] = xln[o + ch] + sx[o + ch] * L.maa_x[ch];
    }
  });
  // xxx = tanh(xxx @ time_maa_w1).view(5, D);  m_j = xxx[j] @ time_maa_w2[j]  (j: w, k, v, r, g)
  Linear(L.maa_w1, xxx.data(), T, lora.data());
  for (float& z : lora) z = std::tanh(z);
  const Vec* maa[5] = {&L.maa_w, &L.maa_k, &L.maa_v, &L.maa_r, &L.maa_g};
  std::vector<float> mixed[5];  // wx, kx, vx, rx, gx
  std::vector<float> m(TC);
  for (int j = 0; j < 5; ++j) {
    for (int t = 0; t < T; ++t) {
      const float* src = &lora[(static_cast<size_t>(t) * 5 + j) * D];
      std::copy(src, src + D, &part[static_cast<size_t>(t) * D]);
    }
    Linear(L.maa_w2[j], part.data(), T, m.data());
    // x_j = xx + sx * (time_maa_j + m_j)
    mixed[j].resize(TC);
    const Vec& maa_j = *maa[j];
    float* xj = mixed[j].data();
    ParallelFor(T, static_cast<int64_t>(TC), [&](int t) {
      const size_t o = static_cast<size_t>(t) * C;
      for (int ch = 0; ch < C; ++ch) {
        xj[o + ch] = xln[o + ch] + sx[o + ch] * (maa_j[ch] + m[o + ch]);
      }
    });
  }
  std::vector<float> r(TC), k(TC), v(TC), g(TC), w(TC), y(TC);
  Linear(L.att_r, mixed[3].data(), T, r.data());
  Linear(L.att_k, mixed[1].data(), T, k.data());
  Linear(L.att_v, mixed[2].data(), T, v.data());
  Linear(L.att_g, mixed[4].data(), T, g.data());
  // w = exp(-exp(time_decay + tanh(wx @ time_decay_w1) @ time_decay_w2))
  Linear(L.decay_w1, mixed[0].data(), T, part.data());
  for (size_t i = 0; i < static_cast<size_t>(T) * D2; ++i) part[i] = std::tanh(part[i]);
  Linear(L.decay_w2, part.data(), T, w.data());
  ParallelFor(T, static_cast<int64_t>(TC) * 8, [&](int t) {
    const size_t o = static_cast<size_t>(t) * C;
    for (int ch = 0; ch < C; ++ch) {
      w[o + ch] = std::exp(-std::exp(L.time_decay[ch] + w[o + ch]));
    }
  });
  // Heads are independent: each runs through all T tokens, heads in parallel.
  ParallelFor(H, static_cast<int64_t>(TC) * N * 2, [&](int h) {
    const int b = h * N;
    float* s = wkv + static_cast<size_t>(h) * N * N;
    for (int t = 0; t < T; ++t) {
      const size_t o = static_cast<size_t>(t) * C + b;
      WkvV5V6(1, N, &r[o], &k[o], &v[o], &w[o], L.time_first.data() + b, s, &y[o]);
      // out = group_norm(out, H, ln_x, eps = 64e-5): one group per head
      GroupNorm(&y[o], L.ln_x_w.data() + b, L.ln_x_b.data() + b, N, 1, 64e-5f);
    }
  });
  SiluGate(g.data(), T, C, y.data());  // out = out * silu(xg @ Wg)
  Linear(L.att_o, y.data(), T, out);
}

}  // namespace rwkv
