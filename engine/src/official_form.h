// Conversion between the official RWKV checkpoint forms and the model's canonical forms
// (internal to the engine; the forms are described in rwkv/model.h).
//
// Official checkpoints (BlinkDL's .pth files, safetensors copies of them) store parameters as
// trained: v4 time_decay w, v5 time_decay w and time_first u, low-rank matrices [in, out].
// Hugging Face transformers (RWKV-4/5/6: rwkv.blocks.N.attention.*) and flash-linear-attention
// (RWKV-7: model.layers.N.attn.*) use other names for the same values.
#pragma once

#include <string>
#include <vector>

#include "rwkv/model.h"
#include "rwkv/status.h"
#include "rwkv/tensor_store.h"
#include "source_tensor.h"

namespace rwkv {

// Which naming a set of tensors uses.
enum class Naming { kOfficial, kTransformers, kFla };
Naming DetectNaming(const std::vector<SourceTensor>& tensors);

// Renames transformers / flash-linear-attention tensors to the official names (fla low-rank
// matrices are marked already_out_in). Official names pass through unchanged.
Status RenameToOfficial(std::vector<SourceTensor>* tensors, const std::string& source);

// The architecture family from official names alone (enough to choose the transforms:
// v5.0/v5.1/v5.2 all report kV5_2 here).
Arch ArchFromOfficialNames(const std::vector<SourceTensor>& tensors);

// Applies the official → canonical transforms and fills a store (untouched tensors keep their
// bytes in place; transformed vectors become FP32, transposed matrices keep their type).
// Errors name `source` and the tensor: a transformed tensor of a quantized type or bad shape.
StatusOr<TensorStore> CanonicalFromOfficial(std::vector<SourceTensor> tensors,
                                            const std::string& source);

// The inverse: a store in official names and values (copies), for writing files that other
// tools read. Transformed vectors are written as FP32.
StatusOr<TensorStore> OfficialFromCanonical(const TensorStore& canonical, Arch arch);

}  // namespace rwkv
