// A model's static decay profile: for every layer and channel of the time-mixing state, the
// number of tokens after which the state's memory of a token has halved, as implied by the
// decay parameters alone. A diagnostic: v6 and v7 add a data-dependent term to the decay (here
// taken as zero, i.e. its low-rank input is zero), and v7's state updates (the "a" removal
// term) erase memory too, so real recall can fall faster than these half-lives suggest.
//
// Per-token decay factor f of each channel, from the canonical parameters (model.h):
//   v4    f = exp(time_decay)                      (time_decay = −exp(w))
//   v5.x  f = time_decay                           (time_decay = exp(−exp(w)))
//   v6    f = exp(−exp(time_decay))                (time_decay = w, data term zero)
//   v7    f = exp(−e^(−0.5) · sigmoid(w0))         (= exp(−exp(−softplus(−w0) − 0.5)))
// half-life h = ln 0.5 / ln f tokens (+infinity when f = 1).
// Pure function of an immutable model; thread-safe.
#pragma once

#include <vector>

#include "rwkv/model.h"

namespace rwkv {

struct HeadDecay {
  int layer = 0, head = 0;
  double min_half_life = 0, median_half_life = 0, max_half_life = 0;  // over the head's channels
};

struct DecayProfile {
  std::vector<double> half_lives;  // tokens, per channel, layer-major ([n_layer][n_embd])
  std::vector<HeadDecay> heads;    // layer-major; v4 has one "head" per layer
};

DecayProfile StaticDecayProfile(const Model& model);

// Counts of `half_lives` in power-of-two bins: bin 0 holds h < 1, bin k (k >= 1) holds
// 2^(k−1) <= h < 2^k; the last bin (index `bins` − 1) also holds everything longer, +inf included.
std::vector<int> HalfLifeHistogram(const std::vector<double>& half_lives, int bins);

}  // namespace rwkv
