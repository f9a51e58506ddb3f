#include "rwkv/reports/gate.h"

#include <gtest/gtest.h>

#include "report_fixtures.h"

namespace rwkv::reports {
namespace {

// Baseline 80/100 solved; candidate solves `lost_only_a` fewer of those and
// `gained_only_b` of the 20 the baseline missed.
std::pair<RunView, RunView> Runs(int lost, int gained, int n_items = 100) {
  const int base_ok = n_items * 8 / 10;
  std::vector<int> a, b;
  for (int i = 0; i < n_items; ++i) {
    a.push_back(i < base_ok);
    b.push_back((i < base_ok && i >= lost) || (i >= base_ok && i < base_ok + gained));
  }
  RunView base = testing::EmptyRun("base", "old.bin"), cand = testing::EmptyRun("cand", "new.bin");
  testing::AddBinaryTask(&base, "arith", "add", "exact:strict", a);
  testing::AddBinaryTask(&cand, "arith", "add", "exact:strict", b);
  return {base, cand};
}

GatePolicy Policy(const std::string& yaml) {
  auto p = ParseGatePolicy(yaml, "gate.yaml");
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return p.ok() ? *p : GatePolicy{};
}

TEST(GateTest, PassesWithinTheAllowedDrop) {
  auto [base, cand] = Runs(2, 0);  // 0.80 → 0.78
  const GatePolicy policy = Policy("metrics:\n  - metric: arith/*/exact:*\n    max_drop: 0.03\n");
  auto out = EvaluateGate(policy, base, cand);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_TRUE(out->passed);
  ASSERT_EQ(out->checks.size(), 1u);
  EXPECT_NEAR(out->checks[0].drop, 0.02, 1e-12);
  const std::string md = GateMarkdown(policy, base, cand, *out);
  EXPECT_NE(md.find("✅ pass"), std::string::npos);
  EXPECT_NE(md.find("| ✅ | arith/add | exact:strict | 0.8 | 0.78 | -0.02 | 0.03 |"),
            std::string::npos)
      << md;
}

TEST(GateTest, FailsBeyondTheAllowedDropOrBelowTheMinimum) {
  auto [base, cand] = Runs(5, 0);  // 0.80 → 0.75
  auto drop = EvaluateGate(Policy("metrics:\n  - metric: '*/*/*'\n    max_relative_drop: 0.05\n"),
                           base, cand);
  ASSERT_TRUE(drop.ok());
  EXPECT_FALSE(drop->passed);  // allowed 0.05 · 0.8 = 0.04 < 0.05
  EXPECT_NEAR(*drop->checks[0].allowed, 0.04, 1e-12);
  EXPECT_NE(drop->checks[0].reason.find("drop 0.05 > allowed 0.04"), std::string::npos);
  auto minimum = EvaluateGate(Policy("metrics:\n  - metric: '*/*/*'\n    min: 0.76\n"), base, cand);
  ASSERT_TRUE(minimum.ok());
  EXPECT_FALSE(minimum->passed);
  EXPECT_NE(minimum->checks[0].reason.find("below the minimum 0.76"), std::string::npos);
  const GatePolicy p = Policy("metrics:\n  - metric: '*/*/*'\n    min: 0.7\n");
  EXPECT_TRUE(EvaluateGate(p, base, cand)->passed);
}

TEST(GateTest, SignificanceRequiredIgnoresNoiseButCatchesRealDrops) {
  const GatePolicy policy = Policy(
      "metrics:\n  - metric: arith/add/exact:strict\n    max_drop: 0.01\n"
      "    require_significant: true\n");
  {
    // 5 lost, 2 gained: drop 0.03, McNemar p = 2·(1+7+21)/128 = 0.453 → not significant.
    auto [base, cand] = Runs(5, 2);
    auto out = EvaluateGate(policy, base, cand);
    ASSERT_TRUE(out.ok());
    EXPECT_TRUE(out->passed);
    EXPECT_EQ(out->checks[0].test, "mcnemar_exact");
    EXPECT_NEAR(*out->checks[0].p_value, 58.0 / 128, 1e-12);
    EXPECT_NE(out->checks[0].reason.find("not significant"), std::string::npos);
  }
  {
    // 12 lost, 0 gained: p = 2 / 4096 → significant.
    auto [base, cand] = Runs(12, 0);
    auto out = EvaluateGate(policy, base, cand);
    ASSERT_TRUE(out.ok());
    EXPECT_FALSE(out->passed);
    EXPECT_NEAR(*out->checks[0].p_value, 2.0 / 4096, 1e-15);
  }
  {
    // Without samples: the two 95% Wilson intervals overlap for 0.80 vs 0.68 at n = 100.
    auto [base, cand] = Runs(12, 0);
    base.items.clear();
    cand.items.clear();
    auto out = EvaluateGate(policy, base, cand);
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(out->checks[0].test, "intervals");
    EXPECT_TRUE(out->passed);
  }
}

TEST(GateTest, MissingCandidateMetricFailsAndUnmatchedPatternIsBadInput) {
  auto [base, cand] = Runs(0, 0);
  cand.results.tasks.clear();
  auto out = EvaluateGate(Policy("metrics:\n  - metric: arith/add/exact:strict\n    min: 0\n"),
                          base, cand);
  ASSERT_TRUE(out.ok());
  EXPECT_FALSE(out->passed);
  EXPECT_EQ(out->checks[0].reason, "missing from the candidate run");
  auto none =
      EvaluateGate(Policy("alpha: 0.01\nmetrics:\n  - metric: nope/*/*\n    min: 0\n"), base, cand);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().message(),
            "gate.yaml:3: field 'metric': 'nope/*/*' matches no metric of either run");
}

TEST(GatePolicyTest, MalformedPoliciesNameLineAndField) {
  struct Case {
    const char* yaml;
    const char* message;
  };
  const Case cases[] = {
      {"metrics:\n  - metric: a/b/c\n    max_drop: lots\n",
       "gate.yaml:3: field 'max_drop' must be a number, not 'lots'"},
      {"metrics:\n  - metric: a/b/c\n    min: 0.5\n    maxdrop: 1\n",
       "gate.yaml:4: unknown field 'maxdrop' (expected metric, max_drop, max_relative_drop, min, "
       "max, require_significant)"},
      {"metrics:\n  - max_drop: 0.1\n", "gate.yaml:2: rule without field 'metric'"},
      {"metrics:\n  - metric: a/b\n    min: 1\n",
       "gate.yaml:2: field 'metric' must have the form suite/task/metric, not 'a/b'"},
      {"metrics:\n  - metric: a/b/c\n    require_significant: maybe\n",
       "gate.yaml:3: field 'require_significant' must be true or false"},
      {"metrics:\n  - metric: a/b/c\n",
       "gate.yaml:2: rule for 'a/b/c' checks nothing: give "
       "max_drop, max_relative_drop, min, max or "
       "require_significant"},
      {"alpha: 2\nmetrics:\n  - metric: a/b/c\n    min: 1\n",
       "gate.yaml:1: field 'alpha' must be between 0 and 1"},
      {"metric:\n  - metric: a/b/c\n",
       "gate.yaml:1: unknown field 'metric' (expected alpha, metrics)"},
      {"metrics: [\n", nullptr},
  };
  for (const Case& c : cases) {
    auto p = ParseGatePolicy(c.yaml, "gate.yaml");
    ASSERT_FALSE(p.ok()) << c.yaml;
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
    if (c.message) {
      EXPECT_EQ(p.status().message(), c.message);
    } else {
      EXPECT_EQ(p.status().message().rfind("gate.yaml:", 0), 0u) << p.status().message();
      EXPECT_NE(p.status().message().find("not valid YAML"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace rwkv::reports
