// Evaluation: feeding tokens through a model, updating a State, producing logits.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "rwkv/model.h"
#include "rwkv/state.h"
#include "rwkv/status.h"

namespace rwkv {

enum class LogitsMode {
  kNone,  // only advance the state
  kLast,  // logits after the last token: [n_vocab]
  kAll,   // logits after every token: [n_tokens][n_vocab], row-major
};

struct ForwardOptions {
  // Tokens evaluated together with matrix-matrix products. 1 = serial mode (one token at a
  // time, matrix-vector products). Results agree between modes to float rounding.
  int max_chunk = 128;
  // Called after every chunk with the number of tokens evaluated so far and the state after
  // them (e.g. to keep states at chunk boundaries for later prompts that begin the same way).
  std::function<void(size_t tokens_done, const State& state)> after_chunk;
};

// Feeds `tokens` in order, advancing `state`; writes logits per `mode` into `logits` (resized).
// Errors: a token id outside [0, n_vocab) (names its position and value); a state made for
// another model. On error the state is unchanged.
// Thread-safety: concurrent calls need distinct states; the model may be shared. Uses the
// OpenMP thread count (SetThreads).
Status Forward(const Model& model, State* state, const std::vector<int32_t>& tokens,
               LogitsMode mode, std::vector<float>* logits, const ForwardOptions& opts = {});

// Sets the number of threads the engine uses (0 = OpenMP's default). Process-wide.
void SetThreads(int n);
// Threads from RWKV_EVAL_THREADS if set and valid, else `fallback`.
int ThreadsFromEnv(int fallback);

}  // namespace rwkv
