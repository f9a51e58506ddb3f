#include "kernels.h"

#include <omp.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#if defined(__F16C__) && defined(__AVX2__)
#include <immintrin.h>
#endif

namespace rwkv {

namespace {

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstMap = Eigen::Map<const RowMajor>;
using MutMap = Eigen::Map<RowMajor>;
using ConstVec = Eigen::Map<const Eigen::VectorXf>;

constexpr int kTile = 256;  // values dequantized at a time in the matrix-vector path

// dot(W[r], x) for one row in its stored type.
float RowDot(const Matrix& W, int r, const float* x) {
  const uint8_t* row = W.Row(r);
  const int n = W.cols;
  if (W.dtype == DType::kF32) {
    // Rows of FP32 tensors are 4-byte aligned: the store aligns every tensor to 64 bytes.
    return ConstVec(reinterpret_cast<const float*>(row), n).dot(ConstVec(x, n));
  }
#if defined(__F16C__) && defined(__AVX2__) && defined(__FMA__)
  if (W.dtype == DType::kF16 && n % 8 == 0) {
    const uint16_t* h = reinterpret_cast<const uint16_t*>(row);
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    int c = 0;
    for (; c + 16 <= n; c += 16) {
      __m256 w0 = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h + c)));
      __m256 w1 = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h + c + 8)));
      acc0 = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x + c), acc0);
      acc1 = _mm256_fmadd_ps(w1, _mm256_loadu_ps(x + c + 8), acc1);
    }
    for (; c < n; c += 8) {
      __m256 w0 = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h + c)));
      acc0 = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x + c), acc0);
    }
    acc0 = _mm256_add_ps(acc0, acc1);
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(acc0), _mm256_extractf128_ps(acc0, 1));
    s = _mm_hadd_ps(s, s);
    s = _mm_hadd_ps(s, s);
    return _mm_cvtss_f32(s);
  }
#endif
  alignas(64) float buf[kTile];
  constexpr int per_tile = kTile;  // a multiple of the 32-value block
  float sum = 0.0f;
  for (int c = 0; c < n; c += per_tile) {
    const int m = std::min(per_tile, n - c);
    DequantizeRow(W.dtype, row + DTypeBytes(W.dtype, c), buf, m);
    sum += ConstVec(buf, m).dot(ConstVec(x + c, m));
  }
  return sum;
}

bool Parallel(const Matrix& W, int T) {
  return static_cast<int64_t>(W.rows) * W.cols * T >= (1 << 15) && omp_get_max_threads() > 1;
}

}  // namespace

void Linear(const Matrix& W, const float* X, int T, float* Y) {
  if (T == 1) {
#pragma omp parallel for schedule(static) if (Parallel(W, 1))
    for (int r = 0; r < W.rows; ++r) Y[r] = RowDot(W, r, X);
    return;
  }
  const int threads = Parallel(W, T) ? omp_get_max_threads() : 1;
  int chunk = (W.rows + threads - 1) / threads;
  chunk = std::max(16, std::min(kTile, (chunk + 15) / 16 * 16));
  const int n_chunks = (W.rows + chunk - 1) / chunk;
  ConstMap x(X, T, W.cols);
  MutMap y(Y, T, W.rows);
#pragma omp parallel if (threads > 1)
  {
    std::vector<float> tile;
#pragma omp for schedule(dynamic)
    for (int ci = 0; ci < n_chunks; ++ci) {
      const int r0 = ci * chunk;
      const int n = std::min(chunk, W.rows - r0);
      const float* w;
      if (W.dtype == DType::kF32) {
        w = reinterpret_cast<const float*>(W.Row(r0));
      } else {
        tile.resize(static_cast<size_t>(n) * W.cols);
        for (int r = 0; r < n; ++r) {
          DequantizeRow(W.dtype, W.Row(r0 + r), tile.data() + static_cast<size_t>(r) * W.cols,
                        W.cols);
        }
        w = tile.data();
      }
      y.middleCols(r0, n).noalias() = x * ConstMap(w, n, W.cols).transpose();
    }
  }
}

void LayerNorm(const float* x, const float* w, const float* b, int n, float* out, float eps) {
  double mean = 0.0;
  for (int i = 0; i < n; ++i) mean += x[i];
  mean /= n;
  double var = 0.0;
  for (int i = 0; i < n; ++i) {
    const double d = x[i] - mean;
    var += d * d;
  }
  var /= n;
  const float inv = static_cast<float>(1.0 / std::sqrt(var + eps));
  const float m = static_cast<float>(mean);
  for (int i = 0; i < n; ++i) out[i] = (x[i] - m) * inv * w[i] + b[i];
}

void GroupNorm(float* x, const float* w, const float* b, int n, int groups, float eps) {
  const int g = n / groups;
  for (int h = 0; h < groups; ++h) {
    float* xs = x + h * g;
    double mean = 0.0;
    for (int i = 0; i < g; ++i) mean += xs[i];
    mean /= g;
    double var = 0.0;
    for (int i = 0; i < g; ++i) {
      const double d = xs[i] - mean;
      var += d * d;
    }
    var /= g;
    const float inv = static_cast<float>(1.0 / std::sqrt(var + eps));
    const float m = static_cast<float>(mean);
    for (int i = 0; i < g; ++i) {
      const int c = h * g + i;
      xs[i] = (xs[i] - m) * inv * w[c] + b[c];
    }
  }
}

void EmbeddingRow(const Matrix& emb, int token, float* out) {
  DequantizeRow(emb.dtype, emb.Row(token), out, emb.cols);
}

}  // namespace rwkv
