// AdamW, the warmup + cosine learning-rate schedule and gradient-norm clipping for the RWKV-7
// trainer. Deterministic: every sum runs in the parameters' fixed ForEach order.
// Thread-safety: none (one optimizer per training run).
#pragma once

#include <cstdint>
#include <vector>

#include "rwkv/train/rwkv7_params.h"

namespace rwkv::train {

// lr(step) = lr_max * (step + 1) / warmup for step < warmup; afterwards
// lr_min + (lr_max - lr_min) * (1 + cos(pi * p)) / 2 with p = (step - warmup) / (total - warmup).
double LearningRate(int64_t step, int64_t warmup, int64_t total, double lr_max, double lr_min);

// Scales the gradient so that its global L2 norm is at most max_norm (no-op if max_norm <= 0).
// Returns the norm before clipping.
double ClipGradNorm(Rwkv7Params<float>* grad, double max_norm);

struct AdamWOptions {
  double beta1 = 0.9, beta2 = 0.99, eps = 1e-8;  // the official RWKV betas
  double weight_decay = 0.0;  // decoupled; applied to matrices except emb (as the official code)
};

// m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
// p -= lr * (m / (1 - b1^t) / (sqrt(v / (1 - b2^t)) + eps) + wd * p)
class AdamW {
 public:
  AdamW(const Rwkv7Shape& shape, AdamWOptions options);
  void Step(Rwkv7Params<float>* params, const Rwkv7Params<float>& grad, double lr);
  int64_t steps() const { return t_; }
  Rwkv7Params<float>& m() { return m_; }
  Rwkv7Params<float>& v() { return v_; }
  void set_steps(int64_t t) { t_ = t; }

 private:
  AdamWOptions options_;
  Rwkv7Params<float> m_, v_;
  int64_t t_ = 0;
};

}  // namespace rwkv::train
