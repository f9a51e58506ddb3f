// One function per architecture for the time-mixing half of a block, plus channel mixing
// (internal to the engine). All take T tokens at once in sequence form:
//   xln   [T][C]  the block input after ln1 (or ln2 for channel mixing)
//   shift [C]     the previous token's xln (state), updated to xln[T-1]
//   out   [T][C]  the block's contribution, to be added to the residual stream
#pragma once

#include "rwkv/model.h"

namespace rwkv {

void TimeMixV4(const LayerWeights& L, const ModelConfig& c, int T, const float* xln,
               float* shift, float* wkv, float* out);
void TimeMixV5(const LayerWeights& L, const ModelConfig& c, int T, const float* xln,
               float* shift, float* wkv, float* out);
void TimeMixV6(const LayerWeights& L, const ModelConfig& c, int T, const float* xln,
               float* shift, float* wkv, float* out);
// v_first [T][C]: written by layer 0, read by later layers.
void TimeMixV7(const LayerWeights& L, const ModelConfig& c, int layer, int T, const float* xln,
               float* shift, float* wkv, float* v_first, float* out);
void ChannelMix(const LayerWeights& L, const ModelConfig& c, int T, const float* xln,
                float* shift, float* out);

// One step of the v5/v6 WKV for all heads with per-channel decay w and bonus u:
//   out[j] = sum_i r[i] * (u[i] * k[i] * v[j] + s[i][j]);  s[i][j] = k[i] * v[j] + w[i] * s[i][j]
void WkvV5V6(int H, int N, const float* r, const float* k, const float* v, const float* w,
             const float* u, float* s, float* out);

// sx[t] = xln[t-1], with sx[0] = shift; then shift = xln[T-1].
void TokenShift(const float* xln, int T, int C, float* shift, float* sx);

}  // namespace rwkv
