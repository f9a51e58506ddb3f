// Text generation from a model and a state: sampling, stop sequences, streaming.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "rwkv/forward.h"
#include "rwkv/sampler.h"
#include "rwkv/tokenizer.h"

namespace rwkv {

struct GenerateOptions {
  int max_tokens = 128;
  // Generation ends when the text contains any of these; the stop string and anything after
  // it are removed. Found even when a stop string is split across tokens.
  std::vector<std::string> stop;
  SamplingParams sampling;
  // Called with each newly completed piece of text (complete UTF-8 characters only), in
  // order, before generation continues; return false to stop early.
  std::function<bool(const std::string& piece)> on_text;
  // Token id that ends generation when sampled; it is not part of the output (-1: none;
  // RWKV World/Pile use 0).
  int32_t end_of_text = 0;
};

struct GenerateOutput {
  std::string text;             // generated text, stop string removed
  std::vector<int32_t> tokens;  // generated ids (including any that formed the stop string)
  std::string finish_reason;    // "stop" (stop string or end-of-text), "length", "callback"
};

// Continues from `state` (which must already contain the prompt) and from `last_logits`, the
// logits after the prompt's last token. Advances `state` over every id in `tokens` (the
// end-of-text token, which is not returned, is not fed). Errors: `last_logits` of the wrong
// size; those of Forward.
StatusOr<GenerateOutput> Generate(const Model& model, const Tokenizer& tokenizer, State* state,
                                  std::vector<float> last_logits, const GenerateOptions& opts);

}  // namespace rwkv
