// The RWKV-7 training loop: batches drawn from a token stream, loss and hand-written gradients
// (rwkv7_backprop.h), gradient clipping, AdamW with warmup + cosine schedule, checkpoints.
//
// Deterministic: the same options, data, seed and thread count give bit-identical weights, and
// resuming from a checkpoint continues exactly as an uninterrupted run would.
// Thread-safety: one Trainer per thread; parallel inside with OpenMP.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "rwkv/status.h"
#include "rwkv/train/optimizer.h"
#include "rwkv/train/rwkv7_params.h"

namespace rwkv::train {

struct TrainOptions {
  Rwkv7Shape shape;
  int batch = 8;
  int ctx = 128;
  int64_t steps = 1000;
  int64_t warmup = 50;
  double lr = 1e-3, lr_final = 1e-4;
  double grad_clip = 1.0;
  AdamWOptions adam;
  uint64_t seed = 0;  // initialization and batch sampling
};

struct StepStats {
  int64_t step = 0;  // steps done after this one
  double loss = 0, grad_norm = 0, lr = 0;
};

class Trainer {
 public:
  // `starts`: where training windows may begin (document starts, so that every window starts
  // from the zero state at a document's beginning, as evaluation does); empty: anywhere.
  // Errors: invalid shape or sizes, a token outside the vocabulary (naming its position), data
  // shorter than ctx + 1 tokens, a start with fewer than ctx + 1 tokens after it.
  static StatusOr<Trainer> Create(const TrainOptions& options, std::vector<int32_t> data,
                                  std::vector<size_t> starts = {});
  // One optimizer step on a freshly sampled batch.
  StepStats Step();
  int64_t step() const { return optimizer_.steps(); }
  const Rwkv7Params<float>& params() const { return params_; }
  const TrainOptions& options() const { return options_; }

  // Writes weights, optimizer moments, step and sampler state (atomically: temporary + rename).
  Status SaveCheckpoint(const std::string& path) const;
  // Restores a checkpoint written by SaveCheckpoint for the same shape. Errors name the file:
  // wrong magic, other shape, truncation.
  Status LoadCheckpoint(const std::string& path);

 private:
  Trainer(const TrainOptions& options, std::vector<int32_t> data, std::vector<size_t> starts);
  TrainOptions options_;
  std::vector<int32_t> data_;
  std::vector<size_t> starts_;
  Rwkv7Params<float> params_;
  AdamW optimizer_;
  std::mt19937_64 sampler_;
};

}  // namespace rwkv::train
