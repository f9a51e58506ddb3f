#include "rwkv/sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace rwkv {

Sampler::Sampler(const SamplingParams& p) : p_(p), rng_(p.seed) {}

double Sampler::Uniform() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }

void Sampler::Accept(int32_t id, float weight) {
  if (p_.penalty_decay != 1.0f) {
    for (auto& [_, c] : counts_) c *= p_.penalty_decay;
  }
  counts_[id] += weight;
}

int32_t Sampler::Sample(std::vector<float>* logits) {
  std::vector<float>& z = *logits;
  const int n = static_cast<int>(z.size());
  // A NaN logit (from a damaged model) can never be chosen.
  for (float& v : z) {
    if (std::isnan(v)) v = -INFINITY;
  }
  // logits[t] -= presence + occurrence[t] * frequency
  for (const auto& [id, count] : counts_) {
    if (id >= 0 && id < n) z[id] -= p_.presence_penalty + count * p_.frequency_penalty;
  }
  if (p_.temperature <= 0.0f) {
    return static_cast<int32_t>(std::max_element(z.begin(), z.end()) - z.begin());
  }
  // probs = softmax(logits), in double for a stable cumulative sum.
  const float zmax = *std::max_element(z.begin(), z.end());
  if (!std::isfinite(zmax)) {
    return static_cast<int32_t>(std::max_element(z.begin(), z.end()) - z.begin());
  }
  std::vector<double> probs(z.size());
  double total = 0.0;
  for (int i = 0; i < n; ++i) total += probs[i] = std::exp(static_cast<double>(z[i]) - zmax);
  for (double& q : probs) q /= total;
  // Most probable first; ties keep the lower id first.
  std::vector<int32_t> order(z.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int32_t a, int32_t b) { return probs[a] > probs[b]; });
  // cutoff = sorted_probs[first index where cumsum >= top_p]; drop probs < cutoff.
  double cum = 0.0, cutoff = probs[order.back()];
  for (int32_t id : order) {
    cum += probs[id];
    if (cum >= p_.top_p) {
      cutoff = probs[id];
      break;
    }
  }
  for (double& q : probs) {
    if (q < cutoff) q = 0.0;
  }
  // Keep only the top_k most probable ids.
  if (p_.top_k > 0 && p_.top_k < n) {
    for (int i = p_.top_k; i < n; ++i) probs[order[i]] = 0.0;
  }
  // probs = probs ** (1 / temperature), renormalized; draw by inverse CDF in sorted order.
  // (Scaled by the largest probability first so that low temperatures do not underflow.)
  const double inv_t = 1.0 / p_.temperature;
  const double pmax = probs[order.front()];
  double mass = 0.0;
  for (int32_t id : order) {
    if (probs[id] > 0.0) mass += probs[id] = std::pow(probs[id] / pmax, inv_t);
  }
  if (!(mass > 0.0) || !std::isfinite(mass)) return order.front();
  const double u = Uniform() * mass;
  double acc = 0.0;
  int32_t last_kept = order.front();
  for (int32_t id : order) {
    if (probs[id] <= 0.0) continue;
    last_kept = id;
    acc += probs[id];
    if (u < acc) return id;
  }
  return last_kept;
}

}  // namespace rwkv
