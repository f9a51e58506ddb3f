#include "rwkv/quantize.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace rwkv {

namespace {

void WriteHalf(uint8_t* p, float v) {
  const uint16_t h = FloatToHalf(v);
  std::memcpy(p, &h, 2);
}

// The value of largest magnitude in the block (its sign kept) and that magnitude.
void SignedMax(const float* x, float* signed_max, float* amax) {
  *signed_max = 0.0f;
  *amax = 0.0f;
  for (int j = 0; j < 32; ++j) {
    if (std::fabs(x[j]) > *amax) {
      *amax = std::fabs(x[j]);
      *signed_max = x[j];
    }
  }
}

void MinMax(const float* x, float* lo, float* hi) {
  *lo = *std::min_element(x, x + 32);
  *hi = *std::max_element(x, x + 32);
}

// Packs 32 values of 4 or 5 bits: low nibbles of values j and j + 16 share byte j of qs;
// the fifth bits go to qh (bit j for value j).
void PackNibbles(const int* q, uint8_t* qs, uint8_t* qh) {
  uint32_t high = 0;
  for (int j = 0; j < 16; ++j) {
    qs[j] = static_cast<uint8_t>((q[j] & 0x0f) | (q[j + 16] & 0x0f) << 4);
    high |= static_cast<uint32_t>((q[j] >> 4) & 1) << j;
    high |= static_cast<uint32_t>((q[j + 16] >> 4) & 1) << (j + 16);
  }
  if (qh) std::memcpy(qh, &high, 4);
}

// Symmetric 4/5-bit blocks (Q4_0, Q5_0): `levels` is 16 or 32.
void QuantizeSymmetric(const float* x, uint8_t* out, int levels, bool five_bit) {
  float m, amax;
  SignedMax(x, &m, &amax);
  const float d = m / -(levels / 2);
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  int q[32];
  for (int j = 0; j < 32; ++j) {
    q[j] = std::min(levels - 1, static_cast<int>(x[j] * id + (levels / 2 + 0.5f)));
  }
  WriteHalf(out, d);
  if (five_bit) {
    PackNibbles(q, out + 6, out + 2);
  } else {
    PackNibbles(q, out + 2, nullptr);
  }
}

// Affine 4/5-bit blocks (Q4_1, Q5_1).
void QuantizeAffine(const float* x, uint8_t* out, int levels, bool five_bit) {
  float lo, hi;
  MinMax(x, &lo, &hi);
  const float d = (hi - lo) / (levels - 1);
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  int q[32];
  for (int j = 0; j < 32; ++j) {
    q[j] = std::min(levels - 1, static_cast<int>((x[j] - lo) * id + 0.5f));
  }
  WriteHalf(out, d);
  WriteHalf(out + 2, lo);
  if (five_bit) {
    PackNibbles(q, out + 8, out + 4);
  } else {
    PackNibbles(q, out + 4, nullptr);
  }
}

void QuantizeQ8_0(const float* x, uint8_t* out) {
  float m, amax;
  SignedMax(x, &m, &amax);
  const float d = amax / 127.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  WriteHalf(out, d);
  for (int j = 0; j < 32; ++j) {
    out[2 + j] = static_cast<uint8_t>(static_cast<int8_t>(std::round(x[j] * id)));
  }
}

}  // namespace

void QuantizeRow(DType t, const float* src, uint8_t* dst, int64_t n) {
  switch (t) {
    case DType::kF32:
      std::memcpy(dst, src, static_cast<size_t>(n) * 4);
      return;
    case DType::kF16:
      for (int64_t i = 0; i < n; ++i) WriteHalf(dst + 2 * i, src[i]);
      return;
    case DType::kBF16:
      for (int64_t i = 0; i < n; ++i) {
        const uint16_t b = FloatToBFloat16(src[i]);
        std::memcpy(dst + 2 * i, &b, 2);
      }
      return;
    default:
      break;
  }
  const int bb = DTypeBlockBytes(t);
  for (int64_t b = 0; b < n / 32; ++b, src += 32, dst += bb) {
    switch (t) {
      case DType::kQ4_0:
        QuantizeSymmetric(src, dst, 16, false);
        break;
      case DType::kQ5_0:
        QuantizeSymmetric(src, dst, 32, true);
        break;
      case DType::kQ4_1:
        QuantizeAffine(src, dst, 16, false);
        break;
      case DType::kQ5_1:
        QuantizeAffine(src, dst, 32, true);
        break;
      case DType::kQ8_0:
        QuantizeQ8_0(src, dst);
        break;
      default:
        break;
    }
  }
}

}  // namespace rwkv
