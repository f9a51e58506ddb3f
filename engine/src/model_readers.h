// Dispatch from a model file to the reader of its format (internal to the engine).
#pragma once

#include <string>

#include "rwkv/status.h"
#include "rwkv/tensor_store.h"

namespace rwkv {

// Reads any supported model file into canonical-form tensors, choosing the reader by the
// file's first bytes. Errors name the file; an unknown format lists the supported ones.
StatusOr<TensorStore> ReadModelFile(const std::string& path);

}  // namespace rwkv
