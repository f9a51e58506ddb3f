// Choosing the next token from logits: greedy, temperature, top-k, top-p, and the official
// RWKV pipeline's presence and frequency penalties. Deterministic for a seed.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <vector>

namespace rwkv {

struct SamplingParams {
  float temperature = 0.0f;  // 0 = greedy (argmax)
  int top_k = 0;             // 0 = no limit
  float top_p = 1.0f;        // nucleus mass; 1 = no limit
  // Official pipeline (rwkv.utils.PIPELINE.generate): before sampling,
  //   logits[t] -= presence + occurrence[t] * frequency   for every t generated so far,
  // where occurrence[t] counts each generation of t with weight 1 (0 for whitespace/digit
  // tokens, see Accept) and every count is multiplied by penalty_decay after each token.
  float presence_penalty = 0.0f;
  float frequency_penalty = 0.0f;
  float penalty_decay = 1.0f;  // the pipeline's alpha_decay (it suggests 0.996)
  uint64_t seed = 0;
};

// Not thread-safe: one Sampler per sequence.
class Sampler {
 public:
  explicit Sampler(const SamplingParams& p);
  // Returns the chosen id. `logits` is modified (penalties applied). REQUIRES: non-empty.
  // As the official pipeline's sample_logits: probs = softmax(logits); keep the tokens whose
  // probability is at least that of the token where the sorted cumulative mass first reaches
  // top_p; then keep only the top_k most probable; probs = probs^(1/temperature); renormalize
  // and draw. temperature 0 returns the first maximum of the penalized logits.
  int32_t Sample(std::vector<float>* logits);
  // Records a generated token for the penalties: first decays every count by penalty_decay,
  // then adds `weight` to the token's count (the pipeline uses 0 for tokens whose text is one
  // of " \t0123456789", otherwise 1).
  void Accept(int32_t id, float weight = 1.0f);

 private:
  // A uniform double in [0, 1) from 53 random bits (the same on every platform).
  double Uniform();

  SamplingParams p_;
  std::mt19937_64 rng_;
  std::map<int32_t, float> counts_;
};

}  // namespace rwkv
