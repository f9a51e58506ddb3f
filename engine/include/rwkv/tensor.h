// Tensors as stored in model files: a name, a data type, a shape and raw bytes.
//
// Shapes are in PyTorch order (outermost first). A 2-D weight [rows][cols] is row-major with
// `cols` contiguous, so row r is the weights of output r. Quantized types pack each row in
// ggml blocks of 32 values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace rwkv {

enum class DType { kF32, kF16, kBF16, kQ4_0, kQ4_1, kQ5_0, kQ5_1, kQ8_0 };

// "FP32", "FP16", "BF16", "Q4_0", ... (the names rwkv.cpp and llama.cpp users know).
const char* DTypeName(DType t);
// Parses a name as printed by DTypeName (case-insensitive; also "f32", "f16"). False if unknown.
bool ParseDType(const std::string& name, DType* out);
// Values per block (1 for float types, 32 for ggml quantized types).
int DTypeBlockValues(DType t);
// Bytes per block.
int DTypeBlockBytes(DType t);
// Bytes occupied by `n` values; REQUIRES: n is a multiple of DTypeBlockValues(t).
inline size_t DTypeBytes(DType t, int64_t n) {
  return static_cast<size_t>(n / DTypeBlockValues(t)) * DTypeBlockBytes(t);
}
bool IsQuantized(DType t);

struct Tensor {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;   // PyTorch order
  const uint8_t* data = nullptr;  // valid while the owning TensorStore lives
  size_t nbytes = 0;

  int64_t numel() const;
  std::string ShapeString() const;  // "[64, 256]"
};

// Converts `n` values of type `t` starting at `src` to float. REQUIRES: for quantized types,
// `src` points at a block boundary and n is a multiple of 32.
void DequantizeRow(DType t, const uint8_t* src, float* dst, int64_t n);

float HalfToFloat(uint16_t h);
uint16_t FloatToHalf(float f);
inline float BFloat16ToFloat(uint16_t b) {
  uint32_t u = static_cast<uint32_t>(b) << 16;
  float f;
  __builtin_memcpy(&f, &u, 4);
  return f;
}
uint16_t FloatToBFloat16(float f);  // round to nearest even

}  // namespace rwkv
