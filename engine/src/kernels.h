// Numeric kernels shared by every architecture (internal to the engine).
// All compute in FP32; weights are read in their stored type.
#pragma once

#include <omp.h>

#include <cmath>
#include <cstdint>

#include "rwkv/model.h"

namespace rwkv {

// Whether `work` (values touched or multiply-adds, roughly) is worth an OpenMP parallel region:
// smaller jobs lose more to waking and joining threads than they gain.
inline bool WorthParallel(int64_t work) {
  return work >= (int64_t{1} << 16) && omp_get_max_threads() > 1;
}

// Calls f(i) for every i < n, spread over the OpenMP threads when `work` (the whole job's size)
// is worth it. f(i) must write only what belongs to i; every value is then computed the same way
// whatever the number of threads, so results do not depend on it.
template <typename F>
void ParallelFor(int n, int64_t work, const F& f) {
#pragma omp parallel for schedule(static) if (WorthParallel(work))
  for (int i = 0; i < n; ++i) f(i);
}

// Y[t][r] = sum_c W[r][c] * X[t][c] for t < T.  X is [T][W.cols], Y is [T][W.rows], row-major.
// T == 1 takes the matrix-vector path; larger T dequantizes row tiles and multiplies with GEMM.
// Parallel over rows with OpenMP.
void Linear(const Matrix& W, const float* X, int T, float* Y);

// out = (x - mean(x)) / sqrt(var(x) + eps) * w + b over n values (F.layer_norm, eps 1e-5).
void LayerNorm(const float* x, const float* w, const float* b, int n, float* out,
               float eps = 1e-5f);

// Calls f(i, ch) for every value i = t * C + ch of a [T][C] array (ch: its channel), tokens in
// parallel; f(i, ch) must write only index i. For elementwise operations with a per-channel
// parameter.
template <typename F>
void PerChannel(int T, int C, const F& f) {
  ParallelFor(T, static_cast<int64_t>(T) * C * 4, [&](int t) {
    const size_t o = static_cast<size_t>(t) * C;
    for (int ch = 0; ch < C; ++ch) f(o + ch, ch);
  });
}

// The v4/v5 token-shift mix of T rows of C values, rows in parallel:
//   out[t][c] = x[t][c] * mix[c] + sx[t][c] * (1 - mix[c])   (sx: the previous token's x)
void LerpMix(const float* x, const float* sx, const Vec& mix, int T, int C, float* out);

// The v6/v7 token-shift mix of T rows of C values, rows in parallel:
//   out[t][c] = x[t][c] + (sx[t][c] - x[t][c]) * mix[c]
void DeltaMix(const float* x, const float* sx, const Vec& mix, int T, int C, float* out);

// LayerNorm of each of the T rows of x [T][n] into out [T][n] (may equal x), rows in parallel.
void LayerNormRows(const float* x, const Vec& w, const Vec& b, int T, int n, float* out);

// y[t][i] += d[t][i] for the T rows of n values, rows in parallel.
void AddRows(const float* d, int T, int n, float* y);

// y[t][i] *= silu(g[t][i]) = g * sigmoid(g), for the T rows of n values, rows in parallel.
void SiluGate(const float* g, int T, int n, float* y);

// F.group_norm over `groups` equal groups of x[n], per-channel weight and bias, in place.
void GroupNorm(float* x, const float* w, const float* b, int n, int groups, float eps);

// The model's embedding row for `token`, as FP32. REQUIRES: 0 <= token < emb.rows.
void EmbeddingRow(const Matrix& emb, int token, float* out);

inline float Sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

}  // namespace rwkv
