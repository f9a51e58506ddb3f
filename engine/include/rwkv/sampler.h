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
  // Official pipeline: logits[t] -= presence + count[t] * frequency for every generated t.
  float presence_penalty = 0.0f;
  float frequency_penalty = 0.0f;
  uint64_t seed = 0;
};

// Not thread-safe: one Sampler per sequence.
class Sampler {
 public:
  explicit Sampler(const SamplingParams& p);
  // Returns the chosen id. `logits` is modified (penalties, temperature). REQUIRES: non-empty.
  int32_t Sample(std::vector<float>* logits);
  // Records a generated token for the presence/frequency penalties.
  void Accept(int32_t id) { ++counts_[id]; }

 private:
  SamplingParams p_;
  std::mt19937_64 rng_;
  std::map<int32_t, int> counts_;
};

}  // namespace rwkv
