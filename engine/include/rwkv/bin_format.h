// The rwkv.cpp model file format (".bin"), file versions 100 and 101.
//
// Layout: int32 magic 0x67676d66 ("ggmf"), version, n_vocab, n_embed, n_layer, data_type; then
// tensors until end of file, each: int32 n_dims, key_length, data_type, dims[n_dims] (ggml order,
// i.e. reversed PyTorch order), key bytes, data. Some parameters are stored transformed (see
// model.h: the model's canonical parameter forms are this file's forms).
#pragma once

#include <string>

#include "rwkv/status.h"
#include "rwkv/tensor_store.h"

namespace rwkv {

inline constexpr uint32_t kRwkvCppMagic = 0x67676d66;

struct RwkvCppHeader {
  uint32_t version = 101;
  int32_t n_vocab = 0;
  int32_t n_embed = 0;
  int32_t n_layer = 0;
  int32_t data_type = 0;  // the file's "main" type, in rwkv.cpp's numbering
};

// Reads a whole .bin file into memory. Errors name the file and, where relevant, the tensor
// and its byte offset: wrong magic, unknown version or type, truncation, implausible shapes.
StatusOr<TensorStore> ReadRwkvCppFile(const std::string& path, RwkvCppHeader* header = nullptr);

// Writes `store` as a version-101 .bin file. Tensors must already be in the file's canonical
// forms. Errors: I/O, or a tensor type the format cannot hold (BF16).
Status WriteRwkvCppFile(const std::string& path, const TensorStore& store,
                        const RwkvCppHeader& header);

// rwkv.cpp's numbering of data types (0 FP32, 1 FP16, 2 Q4_0, 3 Q4_1, 7 Q5_0, 8 Q5_1, 9 Q8_0).
bool DTypeFromRwkvCpp(int32_t code, DType* out);
int32_t DTypeToRwkvCpp(DType t);

}  // namespace rwkv
