#include "engine_session.h"

#include <algorithm>
#include <cmath>

#include "rwkv/forward.h"
#include "rwkv/generate.h"

namespace rwkv::adapters {

namespace {
constexpr int kScoreChunk = 256;  // tokens scored per Forward call (bounds [T][V] logits memory)
}

double LogProbOf(const float* logits, int n, int32_t id) {
  const float mx = *std::max_element(logits, logits + n);
  double sum = 0.0;
  for (int i = 0; i < n; ++i) sum += std::exp(static_cast<double>(logits[i]) - mx);
  return static_cast<double>(logits[id]) - mx - std::log(sum);
}

int32_t Argmax(const float* logits, int n) {
  return static_cast<int32_t>(std::max_element(logits, logits + n) - logits);
}

EngineSession::EngineSession(std::shared_ptr<const Model> model,
                             std::shared_ptr<const Tokenizer> tokenizer)
    : model_(std::move(model)), tokenizer_(std::move(tokenizer)), state_(State::Initial(*model_)) {}

Status EngineSession::Append(const std::string& text) {
  return AppendTokens(tokenizer_->Encode(text));
}

Status EngineSession::AppendTokens(const std::vector<int32_t>& ids) {
  if (ids.empty()) return Status::Ok();
  RETURN_IF_ERROR(Forward(*model_, &state_, ids, LogitsMode::kLast, &logits_));
  n_tokens_ += static_cast<int64_t>(ids.size());
  return Status::Ok();
}

Status EngineSession::Prime() {
  if (!logits_.empty()) return Status::Ok();
  return AppendTokens({0});
}

std::unique_ptr<Session> EngineSession::Fork() const { return ForkEngine(); }

std::unique_ptr<EngineSession> EngineSession::ForkEngine() const {
  return std::make_unique<EngineSession>(*this);
}

StatusOr<LoglikelihoodResult> EngineSession::ScoreTokens(const std::vector<int32_t>& ids) {
  RETURN_IF_ERROR(Prime());
  const int V = model_->config().n_vocab;
  LoglikelihoodResult r;
  r.is_greedy = true;
  r.n_tokens = static_cast<int>(ids.size());
  std::vector<float> all;
  for (size_t start = 0; start < ids.size(); start += kScoreChunk) {
    const size_t n = std::min(ids.size() - start, static_cast<size_t>(kScoreChunk));
    const std::vector<int32_t> chunk(ids.begin() + start, ids.begin() + start + n);
    RETURN_IF_ERROR(Forward(*model_, &state_, chunk, LogitsMode::kAll, &all));
    for (size_t i = 0; i < n; ++i) {
      // log p(token i) comes from the logits after the token before it
      const float* before = i == 0 ? logits_.data() : all.data() + (i - 1) * V;
      const double lp = LogProbOf(before, V, chunk[i]);
      const bool greedy = Argmax(before, V) == chunk[i];
      r.logprob += lp;
      r.is_greedy = r.is_greedy && greedy;
      r.token_logprobs.push_back(lp);
      r.token_greedy.push_back(greedy);
    }
    logits_.assign(all.end() - V, all.end());
    n_tokens_ += static_cast<int64_t>(n);
  }
  return r;
}

StatusOr<LoglikelihoodResult> EngineSession::Loglikelihood(const std::string& continuation) {
  EngineSession copy(*this);
  return copy.ScoreTokens(tokenizer_->Encode(continuation));
}

StatusOr<GenerateResult> EngineSession::Generate(const GenerationParams& params) {
  RETURN_IF_ERROR(Prime());
  State state = state_;
  GenerateOptions opts;
  opts.max_tokens = params.max_tokens;
  opts.stop = params.stop;
  opts.sampling = params.sampling;
  ASSIGN_OR_RETURN(GenerateOutput out, rwkv::Generate(*model_, *tokenizer_, &state, logits_, opts));
  GenerateResult r;
  r.text = std::move(out.text);
  r.prompt_tokens = static_cast<int>(n_tokens_);
  r.output_tokens = static_cast<int>(out.tokens.size());
  r.finish_reason = out.finish_reason;
  return r;
}

}  // namespace rwkv::adapters
