#include "row_dot.h"

#include <algorithm>
#include <cstring>

#if defined(__AVX__) && defined(__FMA__) && defined(__F16C__)
#include <immintrin.h>
#define RWKV_X86_SIMD 1
#if defined(__AVX512F__)
#define RWKV_AVX512 1
#endif
#endif

namespace rwkv {

namespace {

inline uint16_t ReadU16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

// Values dequantized at a time on the portable path (a multiple of the 32-value block).
constexpr int kTile = 256;

float DotF32Portable(const float* w, const float* x, int n) {
  float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int c = 0;
  for (; c + 4 <= n; c += 4) {
    s0 += w[c] * x[c];
    s1 += w[c + 1] * x[c + 1];
    s2 += w[c + 2] * x[c + 2];
    s3 += w[c + 3] * x[c + 3];
  }
  for (; c < n; ++c) s0 += w[c] * x[c];
  return (s0 + s1) + (s2 + s3);
}

// Dequantizes tiles of the row and takes their dot products with x.
float DotByTiles(DType t, const uint8_t* row, const float* x, int n) {
  alignas(64) float buf[kTile];
  float sum = 0.0f;
  for (int c = 0; c < n; c += kTile) {
    const int m = std::min(kTile, n - c);
    DequantizeRow(t, row + DTypeBytes(t, c), buf, m);
    sum += DotF32Portable(buf, x + c, m);
  }
  return sum;
}

#ifdef RWKV_AVX512
// ---- AVX-512: 16 lanes -------------------------------------------------------------------

inline float Half(const uint8_t* p) { return _cvtsh_ss(ReadU16(p)); }

float DotF32(const float* w, const float* x, int n) {
  __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(),
         a3 = _mm512_setzero_ps();
  int c = 0;
  for (; c + 64 <= n; c += 64) {
    a0 = _mm512_fmadd_ps(_mm512_loadu_ps(w + c), _mm512_loadu_ps(x + c), a0);
    a1 = _mm512_fmadd_ps(_mm512_loadu_ps(w + c + 16), _mm512_loadu_ps(x + c + 16), a1);
    a2 = _mm512_fmadd_ps(_mm512_loadu_ps(w + c + 32), _mm512_loadu_ps(x + c + 32), a2);
    a3 = _mm512_fmadd_ps(_mm512_loadu_ps(w + c + 48), _mm512_loadu_ps(x + c + 48), a3);
  }
  for (; c + 16 <= n; c += 16) {
    a0 = _mm512_fmadd_ps(_mm512_loadu_ps(w + c), _mm512_loadu_ps(x + c), a0);
  }
  float sum = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
  for (; c < n; ++c) sum += w[c] * x[c];
  return sum;
}

inline __m512 Half16(const uint8_t* p) {
  return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}

float DotF16(const uint8_t* row, const float* x, int n) {
  __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
  int c = 0;
  for (; c + 32 <= n; c += 32) {
    a0 = _mm512_fmadd_ps(Half16(row + 2 * c), _mm512_loadu_ps(x + c), a0);
    a1 = _mm512_fmadd_ps(Half16(row + 2 * c + 32), _mm512_loadu_ps(x + c + 16), a1);
  }
  for (; c + 16 <= n; c += 16)
    a0 = _mm512_fmadd_ps(Half16(row + 2 * c), _mm512_loadu_ps(x + c), a0);
  float sum = _mm512_reduce_add_ps(_mm512_add_ps(a0, a1));
  for (; c < n; ++c) sum += Half(row + 2 * c) * x[c];
  return sum;
}

// 16 int8 values as floats.
inline __m512 Int8x16(const uint8_t* q) {
  return _mm512_cvtepi32_ps(
      _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q))));
}

// Q8_0 {f16 d; i8 q[32]}: sum over blocks of d * sum_j q[j] * x[j]
float DotQ8_0(const uint8_t* row, const float* x, int n) {
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
  const int blocks = n / 32;
  int b = 0;
  for (; b + 2 <= blocks; b += 2, row += 68, x += 64) {
    __m512 s0 = _mm512_mul_ps(Int8x16(row + 2), _mm512_loadu_ps(x));
    __m512 s1 = _mm512_mul_ps(Int8x16(row + 36), _mm512_loadu_ps(x + 32));
    s0 = _mm512_fmadd_ps(Int8x16(row + 18), _mm512_loadu_ps(x + 16), s0);
    s1 = _mm512_fmadd_ps(Int8x16(row + 52), _mm512_loadu_ps(x + 48), s1);
    acc0 = _mm512_fmadd_ps(_mm512_set1_ps(Half(row)), s0, acc0);
    acc1 = _mm512_fmadd_ps(_mm512_set1_ps(Half(row + 34)), s1, acc1);
  }
  for (; b < blocks; ++b, row += 34, x += 32) {
    __m512 s = _mm512_mul_ps(Int8x16(row + 2), _mm512_loadu_ps(x));
    s = _mm512_fmadd_ps(Int8x16(row + 18), _mm512_loadu_ps(x + 16), s);
    acc0 = _mm512_fmadd_ps(_mm512_set1_ps(Half(row)), s, acc0);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
}

// The 32 values of a 4- or 5-bit block as two int32 vectors (values 0..15 and 16..31): low
// nibbles of qs are values 0..15, high nibbles 16..31; bit j of qh is bit 4 of value j.
inline void Nibbles(const uint8_t* qs, uint32_t qh, bool five_bit, __m512i* lo, __m512i* hi) {
  const __m512i all = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(qs)));
  *lo = _mm512_and_si512(all, _mm512_set1_epi32(15));
  *hi = _mm512_srli_epi32(all, 4);
  if (five_bit) {
    const __m512i sixteen = _mm512_set1_epi32(16);
    *lo = _mm512_mask_or_epi32(*lo, static_cast<__mmask16>(qh & 0xffff), *lo, sixteen);
    *hi = _mm512_mask_or_epi32(*hi, static_cast<__mmask16>(qh >> 16), *hi, sixteen);
  }
}

// Q4_0 / Q5_0: x' = (q - offset) * d.   Q4_1 / Q5_1: x' = q * d + m.
float DotLowBit(DType t, const uint8_t* row, const float* x, int n) {
  const bool five = t == DType::kQ5_0 || t == DType::kQ5_1;
  const bool affine = t == DType::kQ4_1 || t == DType::kQ5_1;
  const int bb = DTypeBlockBytes(t);
  const int qs_at = (affine ? 4 : 2) + (five ? 4 : 0);
  const __m512i offset = _mm512_set1_epi32(affine ? 0 : (five ? 16 : 8));
  __m512 acc = _mm512_setzero_ps(), acc_m = _mm512_setzero_ps();
  for (int b = 0; b < n / 32; ++b, row += bb, x += 32) {
    uint32_t qh = 0;
    if (five) std::memcpy(&qh, row + (affine ? 4 : 2), 4);
    __m512i lo, hi;
    Nibbles(row + qs_at, qh, five, &lo, &hi);
    const __m512 x0 = _mm512_loadu_ps(x), x1 = _mm512_loadu_ps(x + 16);
    __m512 s = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(lo, offset)), x0);
    s = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(hi, offset)), x1, s);
    acc = _mm512_fmadd_ps(_mm512_set1_ps(Half(row)), s, acc);
    if (affine)
      acc_m = _mm512_fmadd_ps(_mm512_set1_ps(Half(row + 2)), _mm512_add_ps(x0, x1), acc_m);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(acc, acc_m));
}

void ToFloatSimd(DType t, const uint8_t* src, float* dst, int n) {
  switch (t) {
    case DType::kF16: {
      int c = 0;
      for (; c + 16 <= n; c += 16) _mm512_storeu_ps(dst + c, Half16(src + 2 * c));
      for (; c < n; ++c) dst[c] = Half(src + 2 * c);
      return;
    }
    case DType::kQ8_0:
      for (int b = 0; b < n / 32; ++b, src += 34, dst += 32) {
        const __m512 d = _mm512_set1_ps(Half(src));
        _mm512_storeu_ps(dst, _mm512_mul_ps(d, Int8x16(src + 2)));
        _mm512_storeu_ps(dst + 16, _mm512_mul_ps(d, Int8x16(src + 18)));
      }
      return;
    case DType::kQ4_0:
    case DType::kQ4_1:
    case DType::kQ5_0:
    case DType::kQ5_1: {
      const bool five = t == DType::kQ5_0 || t == DType::kQ5_1;
      const bool affine = t == DType::kQ4_1 || t == DType::kQ5_1;
      const int bb = DTypeBlockBytes(t);
      const int qs_at = (affine ? 4 : 2) + (five ? 4 : 0);
      const __m512i offset = _mm512_set1_epi32(affine ? 0 : (five ? 16 : 8));
      for (int b = 0; b < n / 32; ++b, src += bb, dst += 32) {
        uint32_t qh = 0;
        if (five) std::memcpy(&qh, src + (affine ? 4 : 2), 4);
        __m512i lo, hi;
        Nibbles(src + qs_at, qh, five, &lo, &hi);
        const __m512 d = _mm512_set1_ps(Half(src));
        const __m512 m = _mm512_set1_ps(affine ? Half(src + 2) : 0.0f);
        _mm512_storeu_ps(dst,
                         _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(lo, offset)), d, m));
        _mm512_storeu_ps(dst + 16,
                         _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(hi, offset)), d, m));
      }
      return;
    }
    default:
      DequantizeRow(t, src, dst, n);
  }
}

#elif defined(RWKV_X86_SIMD)
// ---- AVX2 / FMA / F16C: 8 lanes ----------------------------------------------------------

inline float HorizontalSum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
inline __m256 Int8x8(const int8_t* q) {
  __m128i b = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(q));
  __m128i lo = _mm_cvtepi8_epi32(b);
  __m128i hi = _mm_cvtepi8_epi32(_mm_srli_si128(b, 4));
  return _mm256_cvtepi32_ps(_mm256_insertf128_si256(_mm256_castsi128_si256(lo), hi, 1));
}
inline __m256 Half8(const uint8_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
inline float Half(const uint8_t* p) { return _cvtsh_ss(ReadU16(p)); }

float DotF32(const float* w, const float* x, int n) {
  __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(),
         a3 = _mm256_setzero_ps();
  int c = 0;
  for (; c + 32 <= n; c += 32) {
    a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + c), _mm256_loadu_ps(x + c), a0);
    a1 = _mm256_fmadd_ps(_mm256_loadu_ps(w + c + 8), _mm256_loadu_ps(x + c + 8), a1);
    a2 = _mm256_fmadd_ps(_mm256_loadu_ps(w + c + 16), _mm256_loadu_ps(x + c + 16), a2);
    a3 = _mm256_fmadd_ps(_mm256_loadu_ps(w + c + 24), _mm256_loadu_ps(x + c + 24), a3);
  }
  for (; c + 8 <= n; c += 8)
    a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + c), _mm256_loadu_ps(x + c), a0);
  float sum = HorizontalSum(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
  for (; c < n; ++c) sum += w[c] * x[c];
  return sum;
}

float DotF16(const uint8_t* row, const float* x, int n) {
  __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
  int c = 0;
  for (; c + 16 <= n; c += 16) {
    a0 = _mm256_fmadd_ps(Half8(row + 2 * c), _mm256_loadu_ps(x + c), a0);
    a1 = _mm256_fmadd_ps(Half8(row + 2 * c + 16), _mm256_loadu_ps(x + c + 8), a1);
  }
  for (; c + 8 <= n; c += 8) a0 = _mm256_fmadd_ps(Half8(row + 2 * c), _mm256_loadu_ps(x + c), a0);
  float sum = HorizontalSum(_mm256_add_ps(a0, a1));
  for (; c < n; ++c) sum += Half(row + 2 * c) * x[c];
  return sum;
}

float DotQ8_0(const uint8_t* row, const float* x, int n) {
  __m256 acc = _mm256_setzero_ps();
  for (int b = 0; b < n / 32; ++b, row += 34, x += 32) {
    const int8_t* q = reinterpret_cast<const int8_t*>(row + 2);
    __m256 s = _mm256_mul_ps(Int8x8(q), _mm256_loadu_ps(x));
    s = _mm256_fmadd_ps(Int8x8(q + 8), _mm256_loadu_ps(x + 8), s);
    s = _mm256_fmadd_ps(Int8x8(q + 16), _mm256_loadu_ps(x + 16), s);
    s = _mm256_fmadd_ps(Int8x8(q + 24), _mm256_loadu_ps(x + 24), s);
    acc = _mm256_fmadd_ps(_mm256_set1_ps(Half(row)), s, acc);
  }
  return HorizontalSum(acc);
}

float DotLowBit(DType t, const uint8_t* row, const float* x, int n) {
  return DotByTiles(t, row, x, n);
}

void ToFloatSimd(DType t, const uint8_t* src, float* dst, int n) {
  if (t == DType::kF16) {
    int c = 0;
    for (; c + 8 <= n; c += 8) _mm256_storeu_ps(dst + c, Half8(src + 2 * c));
    for (; c < n; ++c) dst[c] = Half(src + 2 * c);
    return;
  }
  if (t == DType::kQ8_0) {
    for (int b = 0; b < n / 32; ++b, src += 34, dst += 32) {
      const __m256 d = _mm256_set1_ps(Half(src));
      const int8_t* q = reinterpret_cast<const int8_t*>(src + 2);
      for (int j = 0; j < 32; j += 8) _mm256_storeu_ps(dst + j, _mm256_mul_ps(d, Int8x8(q + j)));
    }
    return;
  }
  DequantizeRow(t, src, dst, n);
}

#else
// ---- Portable ----------------------------------------------------------------------------

float DotF32(const float* w, const float* x, int n) { return DotF32Portable(w, x, n); }
float DotF16(const uint8_t* row, const float* x, int n) {
  return DotByTiles(DType::kF16, row, x, n);
}
float DotQ8_0(const uint8_t* row, const float* x, int n) {
  return DotByTiles(DType::kQ8_0, row, x, n);
}
float DotLowBit(DType t, const uint8_t* row, const float* x, int n) {
  return DotByTiles(t, row, x, n);
}
void ToFloatSimd(DType t, const uint8_t* src, float* dst, int n) { DequantizeRow(t, src, dst, n); }
#endif

}  // namespace

float RowDot(DType t, const uint8_t* row, const float* x, int n) {
  switch (t) {
    case DType::kF32:
      return DotF32(reinterpret_cast<const float*>(row), x, n);
    case DType::kF16:
      return DotF16(row, x, n);
    case DType::kQ8_0:
      return DotQ8_0(row, x, n);
    case DType::kQ4_0:
    case DType::kQ4_1:
    case DType::kQ5_0:
    case DType::kQ5_1:
      return DotLowBit(t, row, x, n);
    default:
      return DotByTiles(t, row, x, n);
  }
}

void RowToFloat(DType t, const uint8_t* row, float* dst, int n) { ToFloatSimd(t, row, dst, n); }

}  // namespace rwkv
