#include "kernels.h"

#include <omp.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#if defined(__AVX__) && defined(__FMA__) && defined(__F16C__)
#include <immintrin.h>
#define RWKV_X86_SIMD 1
#endif

namespace rwkv {

namespace {

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstMap = Eigen::Map<const RowMajor>;
using MutMap = Eigen::Map<RowMajor>;

// Values dequantized at a time in the matrix-vector path (a multiple of the 32-value block).
constexpr int kTile = 256;
// Rows per work item of the matrix-matrix path. Fixed, so that the result of every output does
// not depend on the number of threads (1 and N threads give identical logits).
constexpr int kRowChunk = 64;

inline uint16_t ReadU16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

#ifdef RWKV_X86_SIMD
inline float HorizontalSum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
// Eight int8 values as floats.
inline __m256 Int8x8ToFloat(const int8_t* q) {
  __m128i b = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(q));
  __m128i lo = _mm_cvtepi8_epi32(b);
  __m128i hi = _mm_cvtepi8_epi32(_mm_srli_si128(b, 4));
  return _mm256_cvtepi32_ps(_mm256_insertf128_si256(_mm256_castsi128_si256(lo), hi, 1));
}
inline __m256 HalfX8(const uint16_t* h) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h)));
}
#endif

// sum_c w[c] * x[c]
float DotF32(const float* w, const float* x, int n) {
  int c = 0;
  float sum = 0.0f;
#ifdef RWKV_X86_SIMD
  __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(),
         a3 = _mm256_setzero_ps();
  for (; c + 32 <= n; c += 32) {
    a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + c), _mm256_loadu_ps(x + c), a0);
    a1 = _mm256_fmadd_ps(_mm256_loadu_ps(w + c + 8), _mm256_loadu_ps(x + c + 8), a1);
    a2 = _mm256_fmadd_ps(_mm256_loadu_ps(w + c + 16), _mm256_loadu_ps(x + c + 16), a2);
    a3 = _mm256_fmadd_ps(_mm256_loadu_ps(w + c + 24), _mm256_loadu_ps(x + c + 24), a3);
  }
  for (; c + 8 <= n; c += 8) {
    a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + c), _mm256_loadu_ps(x + c), a0);
  }
  sum = HorizontalSum(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
#endif
  for (; c < n; ++c) sum += w[c] * x[c];
  return sum;
}

// sum_c half_to_float(w[c]) * x[c]
float DotF16(const uint8_t* row, const float* x, int n) {
  int c = 0;
  float sum = 0.0f;
#ifdef RWKV_X86_SIMD
  const uint16_t* h = reinterpret_cast<const uint16_t*>(row);
  __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(),
         a3 = _mm256_setzero_ps();
  for (; c + 32 <= n; c += 32) {
    a0 = _mm256_fmadd_ps(HalfX8(h + c), _mm256_loadu_ps(x + c), a0);
    a1 = _mm256_fmadd_ps(HalfX8(h + c + 8), _mm256_loadu_ps(x + c + 8), a1);
    a2 = _mm256_fmadd_ps(HalfX8(h + c + 16), _mm256_loadu_ps(x + c + 16), a2);
    a3 = _mm256_fmadd_ps(HalfX8(h + c + 24), _mm256_loadu_ps(x + c + 24), a3);
  }
  for (; c + 8 <= n; c += 8) a0 = _mm256_fmadd_ps(HalfX8(h + c), _mm256_loadu_ps(x + c), a0);
  sum = HorizontalSum(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
#endif
  for (; c < n; ++c) sum += HalfToFloat(ReadU16(row + 2 * c)) * x[c];
  return sum;
}

// Q8_0 blocks {f16 d; i8 q[32]}: sum over blocks of d * sum_j q[j] * x[j]
float DotQ8_0(const uint8_t* row, const float* x, int n) {
#ifdef RWKV_X86_SIMD
  __m256 acc = _mm256_setzero_ps();
  for (int b = 0; b < n / 32; ++b, row += 34, x += 32) {
    const int8_t* q = reinterpret_cast<const int8_t*>(row + 2);
    __m256 s = _mm256_mul_ps(Int8x8ToFloat(q), _mm256_loadu_ps(x));
    s = _mm256_fmadd_ps(Int8x8ToFloat(q + 8), _mm256_loadu_ps(x + 8), s);
    s = _mm256_fmadd_ps(Int8x8ToFloat(q + 16), _mm256_loadu_ps(x + 16), s);
    s = _mm256_fmadd_ps(Int8x8ToFloat(q + 24), _mm256_loadu_ps(x + 24), s);
    acc = _mm256_fmadd_ps(_mm256_set1_ps(HalfToFloat(ReadU16(row))), s, acc);
  }
  return HorizontalSum(acc);
#else
  float sum = 0.0f;
  for (int b = 0; b < n / 32; ++b, row += 34, x += 32) {
    const int8_t* q = reinterpret_cast<const int8_t*>(row + 2);
    float s = 0.0f;
    for (int j = 0; j < 32; ++j) s += q[j] * x[j];
    sum += HalfToFloat(ReadU16(row)) * s;
  }
  return sum;
#endif
}

// Converts `n` values of a row to FP32 (vectorized where it matters for prefill).
void ToFloat(DType t, const uint8_t* src, float* dst, int n) {
#ifdef RWKV_X86_SIMD
  if (t == DType::kF16) {
    const uint16_t* h = reinterpret_cast<const uint16_t*>(src);
    int c = 0;
    for (; c + 8 <= n; c += 8) _mm256_storeu_ps(dst + c, HalfX8(h + c));
    for (; c < n; ++c) dst[c] = HalfToFloat(h[c]);
    return;
  }
  if (t == DType::kQ8_0) {
    for (int b = 0; b < n / 32; ++b, src += 34, dst += 32) {
      const __m256 d = _mm256_set1_ps(HalfToFloat(ReadU16(src)));
      const int8_t* q = reinterpret_cast<const int8_t*>(src + 2);
      for (int j = 0; j < 32; j += 8)
        _mm256_storeu_ps(dst + j, _mm256_mul_ps(d, Int8x8ToFloat(q + j)));
    }
    return;
  }
#endif
  DequantizeRow(t, src, dst, n);
}

// dot(W[r], x) for one row in its stored type.
float RowDot(const Matrix& W, int r, const float* x) {
  const uint8_t* row = W.Row(r);
  const int n = W.cols;
  switch (W.dtype) {
    // Rows of FP32 tensors are 4-byte aligned: the store aligns every tensor to 64 bytes.
    case DType::kF32:
      return DotF32(reinterpret_cast<const float*>(row), x, n);
    case DType::kF16:
      return DotF16(row, x, n);
    case DType::kQ8_0:
      return DotQ8_0(row, x, n);
    default:
      break;
  }
  alignas(64) float buf[kTile];
  float sum = 0.0f;
  for (int c = 0; c < n; c += kTile) {
    const int m = std::min(kTile, n - c);
    DequantizeRow(W.dtype, row + DTypeBytes(W.dtype, c), buf, m);
    sum += DotF32(buf, x + c, m);
  }
  return sum;
}

// Worth a parallel region: at least ~2^18 multiply-adds (tens of microseconds on one core).
// Smaller products lose more to waking and joining threads than they gain.
bool Parallel(const Matrix& W, int T) {
  return static_cast<int64_t>(W.rows) * W.cols * T >= (1 << 18) && omp_get_max_threads() > 1;
}

}  // namespace

void Linear(const Matrix& W, const float* X, int T, float* Y) {
  if (T == 1) {
#pragma omp parallel for schedule(static) if (Parallel(W, 1))
    for (int r = 0; r < W.rows; ++r) Y[r] = RowDot(W, r, X);
    return;
  }
  // Eigen must not start threads of its own inside ours (and results must not depend on it).
  static const bool single_threaded_eigen = [] {
    Eigen::setNbThreads(1);
    return true;
  }();
  (void)single_threaded_eigen;
  const int n_chunks = (W.rows + kRowChunk - 1) / kRowChunk;
  ConstMap x(X, T, W.cols);
  MutMap y(Y, T, W.rows);
#pragma omp parallel if (Parallel(W, T))
  {
    std::vector<float> tile;
#pragma omp for schedule(dynamic)
    for (int ci = 0; ci < n_chunks; ++ci) {
      const int r0 = ci * kRowChunk;
      const int n = std::min(kRowChunk, W.rows - r0);
      const float* w;
      if (W.dtype == DType::kF32) {
        w = reinterpret_cast<const float*>(W.Row(r0));
      } else {
        tile.resize(static_cast<size_t>(n) * W.cols);
        for (int r = 0; r < n; ++r) {
          ToFloat(W.dtype, W.Row(r0 + r), tile.data() + static_cast<size_t>(r) * W.cols, W.cols);
        }
        w = tile.data();
      }
      // Y[:, r0:r0+n] = X @ W[r0:r0+n]^T
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
