// Pairwise comparison of two runs, metric by metric, on the items both runs scored.
//
// Proportions (metrics with Wilson intervals) get the exact McNemar test on the discordant
// items; every other metric a paired bootstrap of the metric's difference (candidate − base).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rwkv/harness/results.h"

namespace rwkv::reports {

struct MetricComparison {
  std::string run_a, run_b;  // names; b is compared against a
  std::string suite, task, metric;
  bool higher_is_better = true;
  double value_a = 0, value_b = 0;  // as reported in each run's results.json
  bool has_a = false, has_b = false;
  int n_paired = 0;  // items scored in both runs
  // Proportions only: items solved by both, neither, only by a, only by b.
  bool proportion = false;
  int both = 0, neither = 0, only_a = 0, only_b = 0;
  // Paired difference b − a on the shared items, its 95% interval and two-sided p-value.
  double diff = 0, diff_low = 0, diff_high = 0, p_value = 1;
  std::string test = "none";  // "mcnemar_exact", "paired_bootstrap" or "none" (no paired items)
};

// Compares `b` against `a` for every task/metric present in either run. `a_items`/`b_items`
// may be empty (then only the values are compared). Deterministic for a seed.
std::vector<MetricComparison> CompareRuns(const std::string& name_a, const harness::RunResults& a,
                                          const std::vector<harness::ItemRecord>& a_items,
                                          const std::string& name_b, const harness::RunResults& b,
                                          const std::vector<harness::ItemRecord>& b_items,
                                          uint64_t seed = 0);

}  // namespace rwkv::reports
