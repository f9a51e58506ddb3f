// Paired significance tests for comparing two runs on the same items.
#pragma once

#include <cstdint>
#include <vector>

#include "rwkv/harness/results.h"
#include "rwkv/harness/stats.h"

namespace rwkv::reports {

// Exact McNemar test: two-sided binomial p-value of `only_a` successes out of the
// only_a + only_b discordant pairs under p = 1/2, i.e.
//   p = min(1, 2 · Σ_{i ≤ min(b, c)} C(b + c, i) / 2^(b + c)).   No discordant pairs → 1.
double McNemarExactP(int only_a, int only_b);

struct PairedEstimate {
  double diff = 0;             // statistic(b) − statistic(a) on all pairs
  harness::Interval interval;  // percentile bootstrap 95% interval of the difference
  double std_err = 0;
  double p_value = 1;  // two-sided, normal approximation diff / std_err (1 when std_err = 0)
};

// Paired bootstrap of metric `def` (harness::MetricStatistic) between two runs' records of the
// same items (a[i] and b[i] are the same item): both sides are resampled with the same
// multiplicities.
PairedEstimate PairedBootstrap(const harness::MetricDef& def,
                               const std::vector<const harness::ItemRecord*>& a,
                               const std::vector<const harness::ItemRecord*>& b, uint64_t seed,
                               int resamples = 1000);

}  // namespace rwkv::reports
