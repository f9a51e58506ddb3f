// A restricted reader of the pickle that torch.save writes for a state dict (internal).
//
// A pickle is a program for Python's pickle machine. This reader runs only the opcodes a state
// dict needs (containers, numbers, strings, memo, persistent ids) and resolves only these
// globals: collections.OrderedDict, torch._utils._rebuild_tensor_v2 and the storage types
// torch.{Float,Half,BFloat16}Storage. Any other global (os.system, builtins.eval, ...) is
// refused with an error naming it; nothing is ever imported or called.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rwkv/status.h"
#include "rwkv/tensor.h"

namespace rwkv {

// One tensor of the state dict, as described by _rebuild_tensor_v2.
struct PickledTensor {
  std::string name;  // the state-dict key
  DType dtype = DType::kF32;
  std::string storage_key;     // the member "<archive>/data/<storage_key>" holds the storage
  int64_t storage_offset = 0;  // in elements
  std::vector<int64_t> shape;
  std::vector<int64_t> stride;  // in elements
};

// Runs the pickle in `bytes[0, size)` and returns the tensors of the dict it builds, in file
// order. Errors (naming `source`): a refused global, an unsupported opcode, a malformed or
// truncated pickle, a top-level object that is not a dict of tensors.
StatusOr<std::vector<PickledTensor>> ReadTorchStateDictPickle(const uint8_t* bytes, size_t size,
                                                              const std::string& source);

}  // namespace rwkv
