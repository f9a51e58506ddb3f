// An RWKV model: architecture, shape and weights, ready for evaluation.
//
// The architecture is detected from tensor names and shapes alone:
//   v7   has blocks.0.att.r_k              v6   has blocks.0.att.time_maa_x
//   v5.2 has att.ln_x, att.gate and a per-channel time_decay [H, N]
//   v5.1 has att.ln_x, att.gate and a per-head time_decay [H]
//   v5.0 has att.ln_x and no gate          v4   none of these
//
// Canonical parameter forms (the forms of the rwkv.cpp .bin file; other readers convert to them):
//   v4   att.time_decay = -exp(w)              (w as trained)
//   v5   att.time_decay = exp(-exp(w))         (a decay factor in (0, 1))
//   v5.0 att.time_first = exp(u);  v5.1/v5.2 att.time_faaaa = u;  v6 att.time_decay = w (raw)
//   v7   low-rank matrices w1/a1/v1/g1 [D, C] and w2/a2/v2/g2 [C, D] (row = output), token-shift
//        mixes either as att.x_r ... att.x_g or concatenated as att.x_rwkvag [6, C]
//   every other matrix [out, in], as nn.Linear stores it.
// Weights stay in their stored type; small per-channel vectors are kept as FP32 copies.
// Thread-safety: immutable after loading; share one Model between threads freely.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rwkv/status.h"
#include "rwkv/tensor_store.h"

namespace rwkv {

enum class Arch { kV4, kV5_0, kV5_1, kV5_2, kV6, kV7 };
const char* ArchName(Arch a);  // "v4", "v5.0", "v5.1", "v5.2", "v6", "v7"

struct ModelConfig {
  Arch arch = Arch::kV4;
  int n_layer = 0;
  int n_embd = 0;
  int n_head = 1;     // v4: 1 (no heads)
  int head_size = 0;  // n_embd / n_head
  int n_vocab = 0;
  int n_ffn = 0;
  // Low-rank sizes (0 where the architecture has none).
  int maa_lora = 0, decay_lora = 0;                  // v6
  int w_lora = 0, a_lora = 0, v_lora = 0, g_lora = 0;  // v7
  bool has_time_state = false;  // v5/v6 state-tuned checkpoint (att.time_state)
  // v4-v6 with a BF16 embedding and bfloat16 blocks.0.ln0 values (a bfloat16 checkpoint): ln0
  // is applied in bfloat16 arithmetic, as the official implementation folds it into such a
  // checkpoint's embedding, instead of in FP32.
  bool ln0_in_bf16 = false;
};

// A 2-D weight in its stored type: row r holds the weights of output r.
struct Matrix {
  DType dtype = DType::kF32;
  const uint8_t* data = nullptr;
  int rows = 0;
  int cols = 0;
  size_t row_bytes = 0;
  const uint8_t* Row(int r) const { return data + row_bytes * static_cast<size_t>(r); }
};

using Vec = std::vector<float>;

struct LayerWeights {
  Vec ln1_w, ln1_b, ln2_w, ln2_b;
  // Time mixing, v4/v5: xk = x * mix_k + sx * (1 - mix_k), likewise v, r, g.
  Vec mix_k, mix_v, mix_r, mix_g;
  Vec time_decay;  // [C]: v4 -exp(w); v5 exp(-exp(w)) expanded per channel; v6 raw w
  Vec time_first;  // [C]: bonus u, expanded per channel (v5.0: exp(u) as the file stores it)
  Vec ln_x_w, ln_x_b;
  Matrix att_r, att_k, att_v, att_o, att_g;
  Vec time_state;  // v5/v6 state-tuned initial state [H, N, N] (empty if none)
  // v6 data-dependent mixing and decay.
  Vec maa_x, maa_w, maa_k, maa_v, maa_r, maa_g;
  Matrix maa_w1;                  // [5 * D, C]
  std::array<Matrix, 5> maa_w2;   // each [C, D], order w, k, v, r, g
  Matrix decay_w1, decay_w2;      // [D2, C], [C, D2]
  // v7.
  Vec x_r, x_w, x_k, x_v, x_a, x_g, w0, a0, v0, k_k, k_a, r_k;
  Matrix w1, w2, a1, a2, v1, v2, g1, g2;
  // Channel mixing: v4/v5 mix_k/mix_r style, v6 maa style, v7 x_k only.
  Vec ffn_mix_k, ffn_mix_r;
  Matrix ffn_k, ffn_v, ffn_r;
};

class Model {
 public:
  // Loads a model file, choosing the reader by content (.bin, and the formats added later).
  // Errors name the file and the tensor at fault.
  static StatusOr<std::shared_ptr<const Model>> Load(const std::string& path);
  // Builds a model from tensors in canonical form. `source` names them in errors.
  static StatusOr<std::shared_ptr<const Model>> FromTensors(TensorStore store,
                                                            const std::string& source);

  const ModelConfig& config() const { return config_; }
  const std::vector<LayerWeights>& layers() const { return layers_; }
  const Matrix& emb() const { return emb_; }
  const Matrix& head() const { return head_; }
  const Vec& ln0_w() const { return ln0_w_; }
  const Vec& ln0_b() const { return ln0_b_; }
  const Vec& ln_out_w() const { return ln_out_w_; }
  const Vec& ln_out_b() const { return ln_out_b_; }
  const TensorStore& tensors() const { return store_; }
  // 64-bit hash of all tensor names, types, shapes and bytes: the model's identity.
  uint64_t weights_hash() const { return weights_hash_; }
  // "v7 L12 D64 H1x64 V256 FFN256" — a one-line description.
  std::string Describe() const;
  // The file the model came from ("" if built in memory).
  const std::string& source() const { return source_; }

 private:
  Model() = default;
  Status Build(const std::string& source);

  TensorStore store_;
  ModelConfig config_;
  std::vector<LayerWeights> layers_;
  Matrix emb_, head_;
  Vec ln0_w_, ln0_b_, ln_out_w_, ln_out_b_;
  uint64_t weights_hash_ = 0;
  std::string source_;
};

}  // namespace rwkv
