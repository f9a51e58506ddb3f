// safetensors files: an 8-byte little-endian header length, a JSON header
// {"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}, then the
// tensor bytes. The data is memory-mapped, not copied (a misaligned tensor is copied).
//
// Names: official RWKV names, Hugging Face transformers' RWKV names (rwkv.blocks.N.attention.*)
// or flash-linear-attention's RWKV-7 names (model.layers.N.attn.*); values as trained (the
// official forms, converted to the model's canonical forms on reading).
#pragma once

#include <map>
#include <string>

#include "rwkv/model.h"
#include "rwkv/status.h"
#include "rwkv/tensor_store.h"

namespace rwkv {

// Reads a safetensors model into canonical-form tensors; "__metadata__" entries go to the
// store's metadata. Errors name the file and the tensor: bad header length or JSON, a dtype
// other than F32/F16/BF16, offsets outside the data or not matching the shape.
StatusOr<TensorStore> ReadSafetensorsFile(const std::string& path);

// Writes every tensor of `store` as it is (names, shapes, bytes) plus `metadata` as
// "__metadata__", to a temporary name renamed into place when complete. Errors: a quantized
// tensor (safetensors holds F32/F16/BF16 here), I/O.
Status WriteSafetensorsFile(const std::string& path, const TensorStore& store,
                            const std::map<std::string, std::string>& metadata);

// Writes `model` with official names and values (the canonical forms converted back: v4/v5
// time_decay and v5 time_first as trained, low-rank matrices [in, out]), so that other tools
// read the file. Errors: quantized weights, I/O.
Status WriteSafetensorsModel(const std::string& path, const Model& model);

}  // namespace rwkv
