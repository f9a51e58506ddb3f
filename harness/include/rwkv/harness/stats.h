// Confidence intervals for reported metrics.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace rwkv::harness {

struct Interval {
  double low = 0, high = 0;
};

// Wilson score interval for `successes` out of `n` at 95% (z = 1.959964). n = 0 → [0, 1].
Interval WilsonInterval(double successes, double n);

struct BootstrapEstimate {
  Interval interval;   // percentile 95% interval
  double std_err = 0;  // standard deviation of the replicates
};

// Percentile bootstrap of `statistic` over `n` units, resampled with replacement `resamples`
// times from a fixed-seed generator (deterministic for a seed). `statistic` receives the
// multiplicity of every unit in one resample. n < 2 → the statistic itself, std_err 0.
// Resamples where the statistic is NaN are left out; fewer than two left → NaN interval.
BootstrapEstimate Bootstrap(size_t n,
                            const std::function<double(const std::vector<int>&)>& statistic,
                            uint64_t seed, int resamples = 1000);

}  // namespace rwkv::harness
