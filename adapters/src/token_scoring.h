// Per-token log-probabilities of a token sequence, with the most likely alternatives at each
// position (internal to adapters; the server's echo + logprobs).
#pragma once

#include <optional>
#include <utility>
#include <vector>

#include "rwkv/model.h"
#include "rwkv/status.h"

namespace rwkv::adapters {

struct TokenScore {
  std::optional<double> logprob;                // log p(token | everything before); none for
                                                // the first token of an empty context
  std::vector<std::pair<int32_t, double>> top;  // most likely ids there, best first
};

// Scores `ids` fed after `context` (both from the model's initial state): for every id, its
// log-softmax probability given the context and the ids before it, plus the `top_n` most
// likely ids (ties: lower id first). Errors: those of Forward (bad token ids).
// Thread-safety: the model may be shared; each call uses its own state.
StatusOr<std::vector<TokenScore>> ScoreSequence(const Model& model,
                                                const std::vector<int32_t>& context,
                                                const std::vector<int32_t>& ids, int top_n);

}  // namespace rwkv::adapters
