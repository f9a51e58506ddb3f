// Dot products of one stored weight row with an FP32 vector, and row conversion to FP32, for
// every stored type (internal to the engine). Vectorized for AVX-512 and AVX2/FMA/F16C where
// the build targets them; portable code otherwise. All arithmetic in FP32.
#pragma once

#include <cstdint>

#include "rwkv/tensor.h"

namespace rwkv {

// sum_c w[c] * x[c] over the `n` values of row `row` stored as `t`.
// REQUIRES: for quantized types n is a multiple of 32 and `row` starts a block; FP32 rows are
// 4-byte aligned.
float RowDot(DType t, const uint8_t* row, const float* x, int n);

// dst[c] = w[c] for the `n` values of `row` (same preconditions).
void RowToFloat(DType t, const uint8_t* row, float* dst, int n);

}  // namespace rwkv
