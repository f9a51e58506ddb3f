// PyTorch checkpoints (".pth", the torch.save zip format): "<name>/data.pkl", the pickled
// state dict, plus one raw little-endian storage per tensor under "<name>/data/<key>".
//
// The pickle is read by a restricted machine that only builds tensors (see torch_pickle.h in the
// engine sources): a pickle asking for any other global, e.g. os.system, is refused. Storages
// are memory-mapped, not copied (a misaligned one is copied). FP32, FP16 and BF16 tensors;
// contiguous tensors only.
#pragma once

#include <string>

#include "rwkv/status.h"
#include "rwkv/tensor_store.h"

namespace rwkv {

// Reads an official (BlinkDL) or transformers/fla-named checkpoint and converts it to the
// model's canonical forms (rwkv/model.h). Errors name the file and the tensor: damaged zip,
// refused global, compressed member, non-contiguous tensor, storage too small.
StatusOr<TensorStore> ReadPthFile(const std::string& path);

// True if the file starts like a zip archive ("PK\x03\x04").
bool LooksLikeZip(const std::string& path);

}  // namespace rwkv
