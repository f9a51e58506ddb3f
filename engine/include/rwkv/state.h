// The recurrent state of one sequence: everything the model remembers, always FP32.
//
// A State is a value: copying it forks the sequence (O(state size), independent afterwards).
// Per layer it holds the token-shift inputs of time and channel mixing and the WKV memory:
// v4 aa, bb, pp [C] each; v5/v6/v7 a matrix [H][N][N] per layer.
// Thread-compatible: one State per thread, or external locking.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rwkv/model.h"
#include "rwkv/status.h"

namespace rwkv {

class State {
 public:
  State() = default;
  // The state before any token: zeros, v4 pp = -1e30, or a state-tuned model's att.time_state.
  static State Initial(const Model& model);

  // REQUIRES: 0 <= layer < n_layer of the model the state was made for.
  float* att_shift(int layer) { return Layer(layer); }                 // [C]
  float* ffn_shift(int layer) { return Layer(layer) + n_embd_; }       // [C]
  float* wkv(int layer) { return Layer(layer) + 2 * n_embd_; }         // v4: aa,bb,pp; else [H][N][N]
  const std::vector<float>& data() const { return data_; }

  // True if this state was made for `model` (same architecture, shape and weights).
  bool Matches(const Model& model) const;

  // Writes a header naming the model identity, then the floats. Errors: I/O.
  Status Save(const std::string& path) const;
  // Reads a state saved for `model`; a state saved for another model is InvalidArgument.
  static StatusOr<State> Load(const std::string& path, const Model& model);

 private:
  float* Layer(int layer) { return data_.data() + static_cast<size_t>(layer) * per_layer_; }

  std::vector<float> data_;
  size_t per_layer_ = 0;
  int n_embd_ = 0;
  // Identity of the model the state belongs to.
  Arch arch_ = Arch::kV4;
  int n_layer_ = 0, n_head_ = 0, head_size_ = 0, n_vocab_ = 0;
  uint64_t weights_hash_ = 0;
};

}  // namespace rwkv
