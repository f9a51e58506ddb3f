#include "rwkv/reports/paired_tests.h"

#include <gtest/gtest.h>

#include <cmath>

#include "report_fixtures.h"
#include "rwkv/reports/comparison.h"

namespace rwkv::reports {
namespace {

// Expected p-values: python3, 2*sum(comb(b+c, i) for i <= min(b, c)) / 2**(b+c), capped at 1.
TEST(McNemarTest, ExactBinomialTwoSided) {
  EXPECT_NEAR(McNemarExactP(10, 2), 0.03857421875, 1e-12);
  EXPECT_NEAR(McNemarExactP(2, 10), 0.03857421875, 1e-12);
  EXPECT_NEAR(McNemarExactP(60, 40), 0.05688793364098079, 1e-10);
  EXPECT_NEAR(McNemarExactP(0, 7), 0.015625, 1e-12);
  EXPECT_NEAR(McNemarExactP(1000, 1100), 0.030720707864242296, 1e-9);
  EXPECT_NEAR(McNemarExactP(3, 4), 1.0, 1e-12);
  EXPECT_EQ(McNemarExactP(0, 0), 1.0);
}

TEST(PairedBootstrapTest, IdenticalRunsHaveZeroDifference) {
  reports::RunView run = testing::EmptyRun("a", "m");
  testing::AddBinaryTask(&run, "s", "t", "acc", testing::Counts(30, 20));
  std::vector<const harness::ItemRecord*> a;
  for (const auto& r : run.items) a.push_back(&r);
  const PairedEstimate e = PairedBootstrap(run.results.tasks[0].metrics[0].def, a, a, 1);
  EXPECT_EQ(e.diff, 0.0);
  EXPECT_EQ(e.interval.low, 0.0);
  EXPECT_EQ(e.interval.high, 0.0);
  EXPECT_EQ(e.p_value, 1.0);
}

TEST(PairedBootstrapTest, ConstantShiftIsExactAndSignificant) {
  // b = a + 0.5 on every item: the paired difference is 0.5 in every resample.
  std::vector<harness::ItemRecord> ra(40), rb(40);
  std::vector<const harness::ItemRecord*> a, b;
  for (int i = 0; i < 40; ++i) {
    ra[i].values["logprob"] = -1.0 - 0.1 * i;
    rb[i].values["logprob"] = -0.5 - 0.1 * i;
    a.push_back(&ra[i]);
    b.push_back(&rb[i]);
  }
  harness::MetricDef def{"logprob", harness::Aggregation::kMean, "logprob", "", true};
  const PairedEstimate e = PairedBootstrap(def, a, b, 7);
  EXPECT_NEAR(e.diff, 0.5, 1e-12);
  EXPECT_NEAR(e.interval.low, 0.5, 1e-12);
  EXPECT_NEAR(e.interval.high, 0.5, 1e-12);
}

TEST(CompareRunsTest, CountsAgreementAndRunsMcNemar) {
  // Items 0-9 solved by both, 10-19 by neither, 20-29 only by A, 30-31 only by B.
  std::vector<int> sa, sb;
  for (int i = 0; i < 32; ++i) {
    sa.push_back(i < 10 || (i >= 20 && i < 30));
    sb.push_back(i < 10 || i >= 30);
  }
  reports::RunView a = testing::EmptyRun("A", "ma"), b = testing::EmptyRun("B", "mb");
  testing::AddBinaryTask(&a, "s", "t", "exact:strict", sa);
  testing::AddBinaryTask(&b, "s", "t", "exact:strict", sb);
  const auto rows = CompareRuns("A", a.results, a.items, "B", b.results, b.items);
  ASSERT_EQ(rows.size(), 1u);
  const MetricComparison& c = rows[0];
  EXPECT_EQ(c.n_paired, 32);
  EXPECT_TRUE(c.proportion);
  EXPECT_EQ(c.both, 10);
  EXPECT_EQ(c.neither, 10);
  EXPECT_EQ(c.only_a, 10);
  EXPECT_EQ(c.only_b, 2);
  EXPECT_EQ(c.test, "mcnemar_exact");
  EXPECT_NEAR(c.p_value, 0.03857421875, 1e-12);
  EXPECT_NEAR(c.value_a, 20.0 / 32, 1e-12);
  EXPECT_NEAR(c.value_b, 12.0 / 32, 1e-12);
  EXPECT_NEAR(c.diff, -8.0 / 32, 1e-12);
  EXPECT_LE(c.diff_low, c.diff);
  EXPECT_GE(c.diff_high, c.diff);
}

TEST(CompareRunsTest, PairsOnlySharedItemsAndKeepsMissingMetrics) {
  reports::RunView a = testing::EmptyRun("A", "ma"), b = testing::EmptyRun("B", "mb");
  testing::AddBinaryTask(&a, "s", "t", "acc", {1, 1, 0, 0});
  testing::AddBinaryTask(&b, "s", "t", "acc", {1, 0});
  testing::AddBinaryTask(&b, "s", "only_b", "acc", {1});
  const auto rows = CompareRuns("A", a.results, a.items, "B", b.results, b.items);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].n_paired, 2);
  EXPECT_EQ(rows[0].only_a, 1);
  EXPECT_EQ(rows[1].task, "only_b");
  EXPECT_FALSE(rows[1].has_a);
  EXPECT_TRUE(rows[1].has_b);
  EXPECT_EQ(rows[1].test, "none");
}

}  // namespace
}  // namespace rwkv::reports
