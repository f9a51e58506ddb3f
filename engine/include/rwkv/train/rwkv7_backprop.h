// RWKV-7 forward and backward passes in sequence form (B sequences of T tokens, each starting
// from the zero state), with the mean next-token cross-entropy loss.
//
// The forward pass is the engine's inference (time_mix_v7.cc, channel_mix.cc, forward.cc) over
// whole sequences; the backward pass is written by hand, including the delta-rule state
// recurrence through time (whose states are recomputed one layer at a time, so memory holds
// B * H * T * N * N values for one layer only).
// Deterministic: fixed reduction orders (parallel only over independent rows, (sequence, head)
// pairs and Eigen's products, whose split depends on the thread count only).
// Thread-safety: reentrant; parallel inside with OpenMP.
#pragma once

#include <cstdint>
#include <vector>

#include "rwkv/train/rwkv7_params.h"

namespace rwkv::train {

// Returns mean over B*T positions of -log softmax(logits)[target]. tokens and targets are
// [B][T] row-major, every value in [0, n_vocab) (REQUIRES; checked by callers). If `grad` is not
// null it is overwritten with d loss / d params (same shapes). If `logits` is not null it receives
// the [B*T][V] logits.
template <typename R>
R Rwkv7LossAndGrad(const Rwkv7Params<R>& params, const int32_t* tokens, const int32_t* targets,
                   int B, int T, Rwkv7Params<R>* grad, std::vector<R>* logits = nullptr);

}  // namespace rwkv::train
