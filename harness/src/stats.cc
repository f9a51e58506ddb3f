#include "rwkv/harness/stats.h"

#include <algorithm>
#include <cmath>

namespace rwkv::harness {

namespace {
constexpr double kZ95 = 1.959963984540054;

uint64_t SplitMix(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::vector<double> Replicates(size_t n, const std::function<double(const std::vector<int>&)>& f,
                               uint64_t seed, int resamples) {
  std::vector<double> reps;
  std::vector<int> counts(n);
  uint64_t state = seed;
  for (int r = 0; r < resamples; ++r) {
    std::fill(counts.begin(), counts.end(), 0);
    for (size_t i = 0; i < n; ++i) ++counts[SplitMix(&state) % n];
    const double v = f(counts);
    if (!std::isnan(v)) reps.push_back(v);  // undefined for this resample (e.g. not reached)
  }
  std::sort(reps.begin(), reps.end());
  return reps;
}
}  // namespace

// p̂ = s/n; center = (p̂ + z²/2n) / (1 + z²/n); half = z/(1 + z²/n) · sqrt(p̂(1−p̂)/n + z²/4n²)
Interval WilsonInterval(double successes, double n) {
  if (n <= 0) return {0.0, 1.0};
  const double p = successes / n, z2 = kZ95 * kZ95;
  const double denom = 1 + z2 / n;
  const double center = (p + z2 / (2 * n)) / denom;
  const double half = kZ95 / denom * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n));
  return {std::max(0.0, center - half), std::min(1.0, center + half)};
}

BootstrapEstimate Bootstrap(size_t n, const std::function<double(const std::vector<int>&)>& f,
                            uint64_t seed, int resamples) {
  BootstrapEstimate e;
  if (n < 2) {
    const double v = f(std::vector<int>(n, 1));
    e.interval = {v, v};
    return e;
  }
  const std::vector<double> reps = Replicates(n, f, seed, resamples);
  if (reps.size() < 2) {
    e.interval = {std::nan(""), std::nan("")};
    e.std_err = std::nan("");
    return e;
  }
  auto at = [&](double q) {
    return reps[static_cast<size_t>(std::floor(q * static_cast<double>(reps.size() - 1)))];
  };
  e.interval = {at(0.025), at(0.975)};
  double mean = 0;
  for (double r : reps) mean += r;
  mean /= static_cast<double>(reps.size());
  double var = 0;
  for (double r : reps) var += (r - mean) * (r - mean);
  e.std_err = std::sqrt(var / static_cast<double>(reps.size() - 1));
  return e;
}

}  // namespace rwkv::harness
