// Random-weight models of real shapes, for benchmarks and tests without downloading weights.
//
// The tensors have the official names and the canonical forms of model.h; values are drawn so
// that a forward pass stays finite and well scaled: layer-norm weights near 1, matrices
// N(0, 0.5 / sqrt(fan_in)), decays and mixes in their trained ranges. Deterministic for a seed.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>

#include "rwkv/model.h"
#include "rwkv/status.h"
#include "rwkv/tensor.h"
#include "rwkv/tensor_store.h"

namespace rwkv {

struct RandomModelSpec {
  Arch arch = Arch::kV7;  // v4, v5.2, v6 or v7
  int n_layer = 12;
  int n_embd = 768;
  int head_size = 64;  // v5.2/v6/v7; n_embd must be a multiple
  int n_ffn = 0;       // 0: the official default (v6: 3.5 * n_embd rounded down to 32; else 4x)
  int n_vocab = 65536;
  // Type of every matrix (emb, head and the blocks' weights). Matrices whose rows are not a
  // whole number of blocks of a quantized type stay FP32. Vectors are always FP32.
  DType dtype = DType::kF32;
  uint64_t seed = 0;
};

// Builds the tensors. Errors: an unsupported architecture (v5.0/v5.1), non-positive sizes,
// n_embd not a multiple of head_size.
StatusOr<TensorStore> MakeRandomModel(const RandomModelSpec& spec);

// Builds the tensors and writes them as an rwkv.cpp .bin file. Errors: those of
// MakeRandomModel, I/O.
Status WriteRandomModel(const RandomModelSpec& spec, const std::string& path);

}  // namespace rwkv
