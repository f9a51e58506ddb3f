#include "rwkv/decay_profile.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace rwkv {

namespace {

// h = ln 0.5 / ln f, given ln f (<= 0).
double HalfLifeFromLogFactor(double log_f) {
  if (!(log_f < 0)) return std::numeric_limits<double>::infinity();
  return std::log(0.5) / log_f;
}

// ln f of channel i of a layer (see the header's table).
double LogFactor(Arch arch, const LayerWeights& L, size_t i) {
  switch (arch) {
    case Arch::kV4:
      return L.time_decay[i];
    case Arch::kV5_0:
    case Arch::kV5_1:
    case Arch::kV5_2:
      return std::log(static_cast<double>(L.time_decay[i]));
    case Arch::kV6:
      return -std::exp(static_cast<double>(L.time_decay[i]));
    case Arch::kV7:
      return -std::exp(-0.5) / (1 + std::exp(-static_cast<double>(L.w0[i])));
  }
  return 0;
}

}  // namespace

DecayProfile StaticDecayProfile(const Model& model) {
  const ModelConfig& c = model.config();
  DecayProfile p;
  const int heads = c.arch == Arch::kV4 ? 1 : std::max(1, c.n_head);
  const int per_head = c.n_embd / heads;
  for (int l = 0; l < c.n_layer; ++l) {
    const LayerWeights& L = model.layers()[static_cast<size_t>(l)];
    const size_t first = p.half_lives.size();
    for (int i = 0; i < c.n_embd; ++i) {
      p.half_lives.push_back(HalfLifeFromLogFactor(LogFactor(c.arch, L, static_cast<size_t>(i))));
    }
    for (int h = 0; h < heads; ++h) {
      std::vector<double> v(p.half_lives.begin() + static_cast<long>(first) + h * per_head,
                            p.half_lives.begin() + static_cast<long>(first) + (h + 1) * per_head);
      std::sort(v.begin(), v.end());
      const size_t n = v.size();
      const double median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
      p.heads.push_back({l, h, v.front(), median, v.back()});
    }
  }
  return p;
}

std::vector<int> HalfLifeHistogram(const std::vector<double>& half_lives, int bins) {
  std::vector<int> counts(static_cast<size_t>(std::max(1, bins)), 0);
  for (double h : half_lives) {
    int k = 0;
    while (k + 1 < static_cast<int>(counts.size()) && h >= std::ldexp(1.0, k)) ++k;
    ++counts[static_cast<size_t>(k)];
  }
  return counts;
}

}  // namespace rwkv
