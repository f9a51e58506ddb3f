// Trained RWKV-7 parameters as model files the engine (and other RWKV tools) read.
// Thread-safety: pure functions.
#pragma once

#include <string>

#include "rwkv/status.h"
#include "rwkv/tensor_store.h"
#include "rwkv/train/rwkv7_params.h"

namespace rwkv::train {

// The parameters as FP32 tensors with official names in the canonical forms (rwkv/model.h).
StatusOr<TensorStore> ToTensorStore(const Rwkv7Params<float>& params);

// Writes an rwkv.cpp .bin file (canonical forms). Errors: I/O.
Status WriteBinModel(const Rwkv7Params<float>& params, const std::string& path);

// Writes a safetensors file with official names and official (as-trained) forms, e.g. low-rank
// matrices [in, out], as BlinkDL's checkpoints hold them. Errors: I/O.
Status WriteSafetensorsModel(const Rwkv7Params<float>& params, const std::string& path);

}  // namespace rwkv::train
