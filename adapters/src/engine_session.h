// A Session over the built-in engine: a State, the logits after its last token, and the
// tokenizer that turns appended text into tokens (internal to adapters).
#pragma once

#include <memory>
#include <vector>

#include "rwkv/adapters/model_adapter.h"
#include "rwkv/model.h"
#include "rwkv/state.h"
#include "rwkv/tokenizer.h"

namespace rwkv::adapters {

class EngineSession : public Session {
 public:
  EngineSession(std::shared_ptr<const Model> model, std::shared_ptr<const Tokenizer> tokenizer);

  Status Append(const std::string& text) override;
  Status AppendTokens(const std::vector<int32_t>& ids);
  int64_t tokens() const override { return n_tokens_; }
  std::unique_ptr<Session> Fork() const override;
  std::unique_ptr<EngineSession> ForkEngine() const;
  StatusOr<LoglikelihoodResult> Loglikelihood(const std::string& continuation) override;
  StatusOr<GenerateResult> Generate(const GenerationParams& params) override;
  // Sum of log-probabilities of `ids` fed after this session's text (the session advances).
  StatusOr<LoglikelihoodResult> ScoreTokens(const std::vector<int32_t>& ids);

 private:
  // Makes sure logits exist: an empty session is primed with token 0.
  Status Prime();

  std::shared_ptr<const Model> model_;
  std::shared_ptr<const Tokenizer> tokenizer_;
  State state_;
  std::vector<float> logits_;  // after the last token; empty before any token
  int64_t n_tokens_ = 0;
};

// log softmax(logits)[id], computed in double.
double LogProbOf(const float* logits, int n, int32_t id);
// Index of the largest logit (the first one on ties).
int32_t Argmax(const float* logits, int n);

}  // namespace rwkv::adapters
