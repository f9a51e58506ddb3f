// GGUF container files (llama.cpp's model format), versions 2 and 3, little-endian:
//   "GGUF", u32 version, u64 tensor_count, u64 metadata_kv_count,
//   metadata: (string key, u32 value_type, value)*, strings are u64 length + bytes,
//             arrays are u32 element_type, u64 count, elements,
//   tensor infos: (string name, u32 n_dims, u64 ne[n_dims], u32 ggml_type, u64 offset)*,
//   padding to general.alignment (default 32), then the tensor data; offsets are relative to it.
// ne[] is ggml's order: ne[0] is the contiguous (innermost) dimension, the reverse of PyTorch's.
//
// This layer knows nothing of RWKV; rwkv/gguf_format.h maps llama.cpp's RWKV tensors.
// Thread-safety: GgufFile is immutable after parsing; GgufWriter is not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rwkv/status.h"
#include "rwkv/tensor.h"

namespace rwkv {

enum class GgufType : uint32_t {
  kUint8 = 0,
  kInt8 = 1,
  kUint16 = 2,
  kInt16 = 3,
  kUint32 = 4,
  kInt32 = 5,
  kFloat32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kUint64 = 10,
  kInt64 = 11,
  kFloat64 = 12,
};
const char* GgufTypeName(GgufType t);  // "uint32", "string", ...

// One metadata value. Integers and bools are held in `i` (as int64; uint64 values above
// INT64_MAX wrap), floats in `f`, strings in `s`, arrays in `items` (all of `element_type`).
struct GgufValue {
  GgufType type = GgufType::kUint32;
  int64_t i = 0;
  double f = 0;
  std::string s;
  GgufType element_type = GgufType::kUint8;
  std::vector<GgufValue> items;

  bool IsInteger() const;
  // A short human-readable form: the value, or "[N x type]" for arrays.
  std::string ToString() const;
};

// ggml tensor type ids (ggml.h's enum ggml_type) of the types the engine holds.
constexpr uint32_t kGgmlF32 = 0, kGgmlF16 = 1, kGgmlQ4_0 = 2, kGgmlQ4_1 = 3, kGgmlQ5_0 = 6,
                   kGgmlQ5_1 = 7, kGgmlQ8_0 = 8, kGgmlBF16 = 30;
// The engine's type for a ggml type id; false for other ids (k-quants, integers, ...).
bool DTypeFromGgml(uint32_t ggml_type, DType* out);
uint32_t GgmlFromDType(DType t);
// "Q4_K", "F64", ... for error messages ("type 99" when unknown).
std::string GgmlTypeName(uint32_t ggml_type);

struct GgufTensorInfo {
  std::string name;
  std::vector<int64_t> ne;  // ggml order
  DType dtype = DType::kF32;
  const uint8_t* data = nullptr;  // inside the mapping, checked to lie within the file
  size_t nbytes = 0;
  std::vector<int64_t> TorchShape() const { return {ne.rbegin(), ne.rend()}; }
};

struct GgufFile {
  std::string path;
  uint32_t version = 0;
  uint32_t alignment = 32;
  uint64_t data_offset = 0;
  std::vector<std::pair<std::string, GgufValue>> metadata;  // in file order
  std::vector<GgufTensorInfo> tensors;                      // in file order
  std::shared_ptr<const void> backing;                      // keeps the mapping alive

  // The value of `key`, or nullptr.
  const GgufValue* Find(const std::string& key) const;
};

// Parses and memory-maps a GGUF file. Every length, count, dimension and offset is checked
// against the file's size, so a truncated or corrupt file gives Corruption naming the file and
// the key or tensor being read (never a crash). Unsupported: version 1, big-endian files,
// tensor types the engine cannot hold (naming the tensor and the type).
StatusOr<GgufFile> ParseGgufFile(const std::string& path);

// Builds a GGUF v3 file in memory order: metadata in the order added, then tensors.
class GgufWriter {
 public:
  void AddString(const std::string& key, const std::string& value);
  void AddUint32(const std::string& key, uint32_t value);
  void AddFloat32(const std::string& key, float value);
  void AddStringArray(const std::string& key, const std::vector<std::string>& values);
  void AddInt32Array(const std::string& key, const std::vector<int32_t>& values);
  // Adds a tensor of shape `ne` (ggml order) whose bytes are copied. Errors: nbytes not fitting
  // the shape and type, a row (ne[0]) that is not whole blocks.
  Status AddTensor(const std::string& name, DType dtype, const std::vector<int64_t>& ne,
                   const void* data, size_t nbytes);
  // Writes the file to a temporary name renamed into place when complete. Errors: I/O.
  Status Write(const std::string& path) const;

 private:
  struct PendingTensor {
    std::string name;
    DType dtype;
    std::vector<int64_t> ne;
    std::vector<uint8_t> bytes;
  };
  std::string metadata_;  // serialized key-value pairs
  uint64_t metadata_count_ = 0;
  std::vector<PendingTensor> tensors_;
};

}  // namespace rwkv
