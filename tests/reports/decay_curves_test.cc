#include "rwkv/reports/decay_curves.h"

#include <gtest/gtest.h>

#include "rwkv/reports/table_writers.h"
#include "shared_data.h"

namespace rwkv::reports {
namespace {

harness::ItemRecord Recall(const std::string& task, double target, int trial, bool correct,
                           double logprob) {
  harness::ItemRecord r;
  r.suite = "recall";
  r.task = task;
  r.item = std::to_string(static_cast<int>(target)) + "/" + std::to_string(trial);
  r.kind = "recall";
  r.values = {{"correct", correct ? 1.0 : 0.0},
              {"answer_logprob", logprob},
              {"distance", target + 3},
              {"target", target},
              {"trial", trial}};
  return r;
}

// Accuracy 1, 0.75, 0.25, 0 at 16, 64, 256, 1024 tokens (4 trials each).
std::vector<harness::ItemRecord> PasskeyRecords() {
  std::vector<harness::ItemRecord> out;
  const std::vector<std::pair<double, int>> grid = {{16, 4}, {64, 3}, {256, 1}, {1024, 0}};
  for (const auto& [target, ok] : grid) {
    for (int t = 0; t < 4; ++t) out.push_back(Recall("passkey", target, t, t < ok, -0.5 * t));
  }
  return out;
}

TEST(DecayCurvesTest, AccuracyWithWilsonIntervalsPerDistance) {
  const DecayCurves c = ComputeDecayCurves(PasskeyRecords());
  ASSERT_EQ(c.recall.size(), 1u);
  const DecayCurve& curve = c.recall[0];
  ASSERT_EQ(curve.points.size(), 4u);
  EXPECT_EQ(curve.points[1].target, 64);
  EXPECT_EQ(curve.points[1].n, 4);
  EXPECT_DOUBLE_EQ(curve.points[1].accuracy, 0.75);
  EXPECT_DOUBLE_EQ(curve.points[1].mean_distance, 67);
  // Wilson 95% for 3/4 and 1/4 (python3: (p + z²/2n ± z·sqrt(p(1−p)/n + z²/4n²)) / (1 + z²/n)).
  EXPECT_NEAR(curve.points[1].acc_low, 0.30064184258240184, 1e-9);
  EXPECT_NEAR(curve.points[1].acc_high, 0.9544127391902995, 1e-9);
  EXPECT_NEAR(curve.points[2].acc_low, 0.04558726080970055, 1e-9);
  EXPECT_NEAR(curve.points[2].acc_high, 0.6993581574175981, 1e-9);
  // Log-probs −0, −0.5, −1, −1.5: mean −0.75, sd sqrt(5/12), half-width 1.96·sd/2.
  EXPECT_TRUE(curve.points[0].has_logprob);
  EXPECT_DOUBLE_EQ(curve.points[0].mean_logprob, -0.75);
  EXPECT_NEAR(curve.points[0].logprob_high - curve.points[0].mean_logprob,
              1.959963984540054 * std::sqrt(5.0 / 12) / 2, 1e-12);
}

TEST(DecayCurvesTest, HalfLifeAndFiftyPercentDistances) {
  const DecayCurve curve = ComputeDecayCurves(PasskeyRecords()).recall[0];
  // Half of 1.0 is 0.5: between 64 (0.75) and 256 (0.25), halfway in log distance = 128.
  ASSERT_TRUE(curve.half_distance.has_value());
  EXPECT_NEAR(*curve.half_distance, 128, 1e-9);
  ASSERT_TRUE(curve.fifty_distance.has_value());
  EXPECT_NEAR(*curve.fifty_distance, 128, 1e-9);
}

TEST(DecayCurvesTest, CrossingDistanceInterpolatesInLogDistance) {
  std::vector<DecayPoint> p(4);
  const double xs[] = {16, 64, 256, 1024}, ys[] = {0.8, 0.6, 0.5, 0.2};
  for (int i = 0; i < 4; ++i) {
    p[i].target = xs[i];
    p[i].accuracy = ys[i];
  }
  // python3: exp(log 256 + (0.5 − 0.4)/(0.5 − 0.2)·(log 1024 − log 256)) = 406.37466930385915
  EXPECT_NEAR(*CrossingDistance(p, 0.4), 406.37466930385915, 1e-9);
  EXPECT_NEAR(*CrossingDistance(p, 0.5), 256, 1e-9);   // reaches 0.5 exactly at 256
  EXPECT_FALSE(CrossingDistance(p, 0.1).has_value());  // never that low
  EXPECT_FALSE(CrossingDistance(p, 0.9).has_value());  // starts below
}

TEST(DecayCurvesTest, NeedleHeatmapByLengthAndDepth) {
  std::vector<harness::ItemRecord> records;
  for (double length : {256.0, 1024.0}) {
    for (double depth : {0.0, 0.5, 1.0}) {
      for (int t = 0; t < 2; ++t) {
        harness::ItemRecord r =
            Recall("needle", length, t, !(length == 1024 && depth == 0.5 && t == 0), -1);
        r.values["depth"] = depth;
        r.values["length"] = length;
        records.push_back(r);
      }
    }
  }
  const DecayCurves c = ComputeDecayCurves(records);
  ASSERT_EQ(c.heatmaps.size(), 1u);
  const NeedleHeatmap& h = c.heatmaps[0];
  EXPECT_EQ(h.lengths, (std::vector<double>{256, 1024}));
  EXPECT_EQ(h.depths, (std::vector<double>{0, 0.5, 1}));
  ASSERT_EQ(h.cells.size(), 6u);
  for (const HeatCell& cell : h.cells) {
    EXPECT_EQ(cell.n, 2);
    EXPECT_DOUBLE_EQ(cell.accuracy, cell.length == 1024 && cell.depth == 0.5 ? 0.5 : 1.0);
  }
}

TEST(DecayCurvesTest, PositionLossPoolsBucketsWeightedByTokens) {
  std::vector<harness::ItemRecord> records;
  auto bucket = [&](const std::string& item, double start, double end, double tokens, double nll) {
    harness::ItemRecord r;
    r.suite = "recall";
    r.task = "position_loss";
    r.item = item;
    r.kind = "position_loss";
    r.values = {{"start", start}, {"end", end}, {"tokens", tokens}, {"mean_nll", nll}};
    records.push_back(r);
  };
  bucket("a/0", 0, 2, 2, 5.0);
  bucket("a/1", 2, 4, 2, 4.0);
  bucket("b/1", 2, 4, 6, 3.0);
  const DecayCurves c = ComputeDecayCurves(records);
  ASSERT_EQ(c.position_loss.size(), 1u);
  ASSERT_EQ(c.position_loss[0].points.size(), 2u);
  EXPECT_DOUBLE_EQ(c.position_loss[0].points[1].tokens, 8);
  EXPECT_DOUBLE_EQ(c.position_loss[0].points[1].mean_nll, (2 * 4.0 + 6 * 3.0) / 8);
  EXPECT_TRUE(c.recall.empty());
}

TEST(DecayCurvesTest, SkipsRecordsWithErrorsAndOtherKinds) {
  std::vector<harness::ItemRecord> records = PasskeyRecords();
  records[0].error = "timeout";
  records.push_back(records[1]);
  records.back().kind = "generate";
  const DecayCurve curve = ComputeDecayCurves(records).recall[0];
  EXPECT_EQ(curve.points[0].n, 3);
}

TEST(DecayCsvTest, OneRowPerCurvePointWithHalfDistances) {
  ReportModel model;
  RunView run;
  run.name = "r";
  run.results.model.spec = "m.bin";
  run.items = PasskeyRecords();
  model.runs.push_back(run);
  const std::string dir = rwkv::testing::TempDir("decay_csv");
  bool written = false;
  ASSERT_TRUE(WriteDecayCsv(dir + "/decay.csv", model, &written).ok());
  ASSERT_TRUE(written);
  const std::string csv = rwkv::testing::ReadFileBytes(dir + "/decay.csv");
  // 64 tokens: 3/4 correct, Wilson [0.3006418426, 0.9544127392]; log-probs 0, −0.5, −1, −1.5
  // (mean −0.75); measured distance 67; half and 50% distance 128.
  EXPECT_NE(csv.find("recall,passkey,m.bin,r,recall,64,,,4,0.75,0.3006418426,0.9544127392,-0.75,"),
            std::string::npos)
      << csv;
  EXPECT_NE(csv.find(",67,128,128\n"), std::string::npos) << csv;
  model.runs[0].items.clear();
  ASSERT_TRUE(WriteDecayCsv(dir + "/none.csv", model, &written).ok());
  EXPECT_FALSE(written);
}

}  // namespace
}  // namespace rwkv::reports
