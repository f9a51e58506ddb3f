#include "rwkv/tensor.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <sstream>

namespace rwkv {

namespace {
struct DTypeInfo {
  DType type;
  const char* name;
  int block_values;
  int block_bytes;
};
// ggml block layouts: Q4_0 {f16 d; u8 qs[16]}, Q4_1 {f16 d, m; u8 qs[16]},
// Q5_0 {f16 d; u8 qh[4]; u8 qs[16]}, Q5_1 {f16 d, m; u8 qh[4]; u8 qs[16]}, Q8_0 {f16 d; i8 qs[32]}.
constexpr DTypeInfo kInfo[] = {
    {DType::kF32, "FP32", 1, 4},   {DType::kF16, "FP16", 1, 2},   {DType::kBF16, "BF16", 1, 2},
    {DType::kQ4_0, "Q4_0", 32, 18}, {DType::kQ4_1, "Q4_1", 32, 20}, {DType::kQ5_0, "Q5_0", 32, 22},
    {DType::kQ5_1, "Q5_1", 32, 24}, {DType::kQ8_0, "Q8_0", 32, 34},
};
const DTypeInfo& Info(DType t) { return kInfo[static_cast<int>(t)]; }

inline uint16_t ReadU16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}
}  // namespace

const char* DTypeName(DType t) { return Info(t).name; }
int DTypeBlockValues(DType t) { return Info(t).block_values; }
int DTypeBlockBytes(DType t) { return Info(t).block_bytes; }
bool IsQuantized(DType t) { return Info(t).block_values > 1; }

bool ParseDType(const std::string& name, DType* out) {
  std::string up;
  for (char c : name) up += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (up == "F32" || up == "FLOAT32") up = "FP32";
  if (up == "F16" || up == "FLOAT16") up = "FP16";
  if (up == "BFLOAT16") up = "BF16";
  for (const auto& i : kInfo) {
    if (up == i.name) {
      *out = i.type;
      return true;
    }
  }
  return false;
}

int64_t Tensor::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string Tensor::ShapeString() const {
  std::ostringstream s;
  s << "[";
  for (size_t i = 0; i < shape.size(); ++i) s << (i ? ", " : "") << shape[i];
  s << "]";
  return s.str();
}

float HalfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  const uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: normalize
      int e = -1;
      do {
        ++e;
        mant <<= 1;
      } while ((mant & 0x400) == 0);
      bits = sign | static_cast<uint32_t>(127 - 15 - e) << 23 | (mant & 0x3ff) << 13;
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | mant << 13;
  } else {
    bits = sign | (exp + 127 - 15) << 23 | mant << 13;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t FloatToHalf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint32_t sign = (x >> 16) & 0x8000;
  const uint32_t abs = x & 0x7fffffff;
  if (abs >= 0x7f800000) return static_cast<uint16_t>(sign | 0x7c00 | (abs > 0x7f800000 ? 0x200 : 0));
  if (abs >= 0x477ff000) return static_cast<uint16_t>(sign | 0x7c00);  // overflow to inf
  if (abs < 0x38800000) {  // subnormal or zero in half
    if (abs < 0x33000000) return static_cast<uint16_t>(sign);
    const uint32_t e = abs >> 23;
    const uint32_t m = (abs & 0x7fffff) | 0x800000;
    const uint32_t shift = 126 - e;  // 14 + (113 - e) - ... ; brings value to half subnormal units
    uint32_t half_m = m >> (shift - 0);
    const uint32_t rem = m & ((1u << shift) - 1);
    const uint32_t halfway = 1u << (shift - 1);
    if (rem > halfway || (rem == halfway && (half_m & 1))) ++half_m;
    return static_cast<uint16_t>(sign | half_m);
  }
  uint32_t h = ((abs - 0x38000000) >> 13);
  const uint32_t rem = abs & 0x1fff;
  if (rem > 0x1000 || (rem == 0x1000 && (h & 1))) ++h;
  return static_cast<uint16_t>(sign | h);
}

uint16_t FloatToBFloat16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  if ((x & 0x7fffffff) > 0x7f800000) return static_cast<uint16_t>((x >> 16) | 0x40);  // NaN
  x += 0x7fff + ((x >> 16) & 1);
  return static_cast<uint16_t>(x >> 16);
}

void DequantizeRow(DType t, const uint8_t* src, float* dst, int64_t n) {
  switch (t) {
    case DType::kF32:
      std::memcpy(dst, src, static_cast<size_t>(n) * 4);
      return;
    case DType::kF16:
      for (int64_t i = 0; i < n; ++i) dst[i] = HalfToFloat(ReadU16(src + 2 * i));
      return;
    case DType::kBF16:
      for (int64_t i = 0; i < n; ++i) dst[i] = BFloat16ToFloat(ReadU16(src + 2 * i));
      return;
    default:
      break;
  }
  const int bb = DTypeBlockBytes(t);
  for (int64_t b = 0; b < n / 32; ++b, src += bb, dst += 32) {
    const float d = HalfToFloat(ReadU16(src));
    switch (t) {
      case DType::kQ4_0: {  // x = (q - 8) * d; low nibbles are values 0..15, high 16..31
        const uint8_t* qs = src + 2;
        for (int j = 0; j < 16; ++j) {
          dst[j] = static_cast<float>((qs[j] & 0x0f) - 8) * d;
          dst[j + 16] = static_cast<float>((qs[j] >> 4) - 8) * d;
        }
        break;
      }
      case DType::kQ4_1: {  // x = q * d + m
        const float m = HalfToFloat(ReadU16(src + 2));
        const uint8_t* qs = src + 4;
        for (int j = 0; j < 16; ++j) {
          dst[j] = static_cast<float>(qs[j] & 0x0f) * d + m;
          dst[j + 16] = static_cast<float>(qs[j] >> 4) * d + m;
        }
        break;
      }
      case DType::kQ5_0: {  // x = (q5 - 16) * d, the fifth bit from qh
        uint32_t qh;
        std::memcpy(&qh, src + 2, 4);
        const uint8_t* qs = src + 6;
        for (int j = 0; j < 16; ++j) {
          const int x0 = (qs[j] & 0x0f) | static_cast<int>(((qh >> j) & 1u) << 4);
          const int x1 = (qs[j] >> 4) | static_cast<int>(((qh >> (j + 16)) & 1u) << 4);
          dst[j] = static_cast<float>(x0 - 16) * d;
          dst[j + 16] = static_cast<float>(x1 - 16) * d;
        }
        break;
      }
      case DType::kQ5_1: {  // x = q5 * d + m
        const float m = HalfToFloat(ReadU16(src + 2));
        uint32_t qh;
        std::memcpy(&qh, src + 4, 4);
        const uint8_t* qs = src + 8;
        for (int j = 0; j < 16; ++j) {
          const int x0 = (qs[j] & 0x0f) | static_cast<int>(((qh >> j) & 1u) << 4);
          const int x1 = (qs[j] >> 4) | static_cast<int>(((qh >> (j + 16)) & 1u) << 4);
          dst[j] = static_cast<float>(x0) * d + m;
          dst[j + 16] = static_cast<float>(x1) * d + m;
        }
        break;
      }
      case DType::kQ8_0: {  // x = q * d
        const int8_t* qs = reinterpret_cast<const int8_t*>(src + 2);
        for (int j = 0; j < 32; ++j) dst[j] = static_cast<float>(qs[j]) * d;
        break;
      }
      default:
        break;
    }
  }
}

}  // namespace rwkv
