#include "rwkv/reports/paired_tests.h"

#include <algorithm>
#include <cmath>

namespace rwkv::reports {

double McNemarExactP(int only_a, int only_b) {
  const int n = only_a + only_b;
  if (n == 0) return 1.0;
  const int k = std::min(only_a, only_b);
  // Σ_{i ≤ k} C(n, i) / 2^n in log space (n may be large).
  const double log_half_n = -n * std::log(2.0);
  double sum = 0;
  for (int i = 0; i <= k; ++i) {
    const double log_c = std::lgamma(n + 1.0) - std::lgamma(i + 1.0) - std::lgamma(n - i + 1.0);
    sum += std::exp(log_c + log_half_n);
  }
  return std::min(1.0, 2.0 * sum);
}

PairedEstimate PairedBootstrap(const harness::MetricDef& def,
                               const std::vector<const harness::ItemRecord*>& a,
                               const std::vector<const harness::ItemRecord*>& b, uint64_t seed,
                               int resamples) {
  PairedEstimate out;
  auto diff = [&](const std::vector<int>& counts) {
    return harness::MetricStatistic(def, b, counts) - harness::MetricStatistic(def, a, counts);
  };
  out.diff = diff(std::vector<int>(a.size(), 1));
  const harness::BootstrapEstimate est = harness::Bootstrap(a.size(), diff, seed, resamples);
  out.interval = est.interval;
  out.std_err = est.std_err;
  if (out.std_err > 0 && std::isfinite(out.diff)) {
    out.p_value = std::min(1.0, std::erfc(std::fabs(out.diff / out.std_err) / std::sqrt(2.0)));
  } else {
    out.p_value = out.diff == 0 || !std::isfinite(out.diff) ? 1.0 : 0.0;
  }
  return out;
}

}  // namespace rwkv::reports
