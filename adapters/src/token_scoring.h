// Per-token log-probabilities of a token sequence, with the most likely alternatives at each
// position (internal to adapters; the server's echo + logprobs).
#pragma once

#include <optional>
#include <utility>
#include <vector>

#include "rwkv/model.h"
#include "rwkv/state.h"
#include "rwkv/status.h"

namespace rwkv::adapters {

struct TokenScore {
  std::optional<double> logprob;                // log p(token | everything before); none for
                                                // the first token of an empty context
  std::vector<std::pair<int32_t, double>> top;  // most likely ids there, best first
};

// Scores `ids` fed after whatever `state` has seen, `logits` being the logits after its last
// token (empty: none, so the first id gets no score). Advances `state` and `logits` over `ids`.
// Errors: those of Forward (bad token ids); then state and logits are unspecified.
StatusOr<std::vector<TokenScore>> ScoreAndAdvance(const Model& model, State* state,
                                                  std::vector<float>* logits,
                                                  const std::vector<int32_t>& ids, int top_n);

}  // namespace rwkv::adapters
