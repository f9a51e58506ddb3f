// Confidence intervals against values computed independently (python3, statsmodels formula).
#include "rwkv/harness/stats.h"

#include <gtest/gtest.h>

#include "rwkv/harness/results.h"

#include <cmath>

namespace rwkv::harness {
namespace {

TEST(Stats, WilsonMatchesReferenceValues) {
  // python3: z=1.959963984540054; p=s/n; d=1+z*z/n; c=(p+z*z/(2*n))/d;
  //          h=z/d*math.sqrt(p*(1-p)/n+z*z/(4*n*n))
  // s=7, n=10 → (0.39677815, 0.89220873); s=0, n=20 → (0, 0.16112516); s=50, n=50 → (0.92865240, 1)
  Interval a = WilsonInterval(7, 10);
  EXPECT_NEAR(a.low, 0.39677815, 1e-7);
  EXPECT_NEAR(a.high, 0.89220873, 1e-7);
  Interval b = WilsonInterval(0, 20);
  EXPECT_NEAR(b.low, 0.0, 1e-12);
  EXPECT_NEAR(b.high, 0.16112516, 1e-7);
  Interval c = WilsonInterval(50, 50);
  EXPECT_NEAR(c.low, 0.92865240, 1e-7);
  EXPECT_NEAR(c.high, 1.0, 1e-12);
}

TEST(Stats, BootstrapIsDeterministicAndCoversTheMean) {
  std::vector<double> v;
  for (int i = 0; i < 200; ++i) v.push_back((i * 37 % 101) / 10.0);
  auto mean = [&](const std::vector<int>& counts) {
    double s = 0, n = 0;
    for (size_t i = 0; i < v.size(); ++i) {
      s += counts[i] * v[i];
      n += counts[i];
    }
    return s / n;
  };
  const BootstrapEstimate a = Bootstrap(v.size(), mean, 7), b = Bootstrap(v.size(), mean, 7);
  EXPECT_EQ(a.interval.low, b.interval.low);
  EXPECT_EQ(a.interval.high, b.interval.high);
  const double m = mean(std::vector<int>(v.size(), 1));
  EXPECT_LT(a.interval.low, m);
  EXPECT_GT(a.interval.high, m);
  // The standard error of a mean is close to sd/sqrt(n).
  double var = 0;
  for (double x : v) var += (x - m) * (x - m);
  const double se = std::sqrt(var / (v.size() - 1) / v.size());
  EXPECT_NEAR(a.std_err, se, 0.15 * se);
}

// Ten recall trials of five checkpoints each, every trial all right or all wrong (5 and 5): the
// pooled accuracy 0.5 rests on ten independent outcomes, not fifty. Its interval must be about as
// wide as a proportion of 5 in 10 (Wilson [0.237, 0.763]), far wider than 25 in 50 would be
// (Wilson [0.366, 0.634]); the per-distance accuracy, one record per trial, keeps Wilson's.
TEST(Stats, RecallCheckpointsOfOneTrialAreResampledTogether) {
  std::vector<ItemRecord> records;
  for (int trial = 0; trial < 10; ++trial) {
    for (int d = 0; d < 5; ++d) {
      ItemRecord r;
      r.item = "t" + std::to_string(trial) + "-d" + std::to_string(d);
      r.values["trial"] = trial;
      r.values["correct"] = trial < 5 ? 1.0 : 0.0;
      // As the recall runner writes them: membership of a distance and correctness there.
      r.values["at@" + std::to_string(d)] = 1.0;
      r.values["correct@" + std::to_string(d)] = r.values["correct"];
      records.push_back(r);
    }
  }
  std::vector<const ItemRecord*> ptrs;
  for (const ItemRecord& r : records) ptrs.push_back(&r);
  TaskResult task;
  task.suite = "mem";
  task.task = "passkey";
  MetricResult pooled;
  pooled.def.name = pooled.def.key = "correct";
  MetricResult at0;
  at0.def.name = at0.def.key = "correct@0";
  at0.def.denominator = "at@0";
  task.metrics = {pooled, at0};
  Aggregate(ptrs, 1, &task);
  const MetricResult* p = task.Find("correct");
  ASSERT_TRUE(p);
  EXPECT_DOUBLE_EQ(p->value, 0.5);
  EXPECT_EQ(p->interval, "bootstrap");
  EXPECT_LE(p->ci_low, 0.3);
  EXPECT_GE(p->ci_high, 0.7);
  const MetricResult* a = task.Find("correct@0");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->interval, "wilson");
  EXPECT_NEAR(a->ci_low, 0.2365931, 1e-6);  // Wilson(5, 10), as above
  EXPECT_NEAR(a->ci_high, 0.7634069, 1e-6);
}

}  // namespace
}  // namespace rwkv::harness
