// Numeric kernels shared by every architecture (internal to the engine).
// All compute in FP32; weights are read in their stored type.
#pragma once

#include <cmath>

#include "rwkv/model.h"

namespace rwkv {

// Y[t][r] = sum_c W[r][c] * X[t][c] for t < T.  X is [T][W.cols], Y is [T][W.rows], row-major.
// T == 1 takes the matrix-vector path; larger T dequantizes row tiles and multiplies with GEMM.
// Parallel over rows with OpenMP.
void Linear(const Matrix& W, const float* X, int T, float* Y);

// out = (x - mean(x)) / sqrt(var(x) + eps) * w + b over n values (F.layer_norm, eps 1e-5).
void LayerNorm(const float* x, const float* w, const float* b, int n, float* out,
               float eps = 1e-5f);

// F.group_norm over `groups` equal groups of x[n], per-channel weight and bias, in place.
void GroupNorm(float* x, const float* w, const float* b, int n, int groups, float eps);

// The model's embedding row for `token`, as FP32. REQUIRES: 0 <= token < emb.rows.
void EmbeddingRow(const Matrix& emb, int token, float* out);

inline float Sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

}  // namespace rwkv
