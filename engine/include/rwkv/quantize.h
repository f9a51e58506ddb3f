// Quantization: FP32 values into a stored type, the inverse of DequantizeRow (rwkv/tensor.h).
//
// The ggml block formulas, per block of 32 values x[0..31]:
//   Q8_0  d = amax / 127;           q = round(x / d)                    x' = q * d
//   Q4_0  d = m / -8 (m: the value of largest magnitude, signed);
//         q = min(15, trunc(x / d + 8.5))                               x' = (q - 8) * d
//   Q5_0  d = m / -16;  q = min(31, trunc(x / d + 16.5))                x' = (q - 16) * d
//   Q4_1  d = (max - min) / 15;  q = min(15, trunc((x - min) / d + 0.5))  x' = q * d + min
//   Q5_1  d = (max - min) / 31;  q = min(31, trunc((x - min) / d + 0.5))  x' = q * d + min
// d and min are stored as FP16. FP16 and BF16 round to nearest even.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>

#include "rwkv/tensor.h"

namespace rwkv {

// Writes `n` values of `src` as type `t` to `dst` (DTypeBytes(t, n) bytes).
// REQUIRES: n is a multiple of DTypeBlockValues(t).
void QuantizeRow(DType t, const float* src, uint8_t* dst, int64_t n);

}  // namespace rwkv
