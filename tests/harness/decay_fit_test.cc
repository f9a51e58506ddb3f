// Decay summaries on synthetic data with known parameters (expected values by hand and
// python3, not by the code under test).
#include "rwkv/harness/decay_fit.h"

#include <gtest/gtest.h>

#include <cmath>

namespace rwkv::harness {
namespace {

const std::vector<double> kGrid = {16, 32, 64, 128, 256, 512, 1024, 2048, 4096};

// Expected counts of a logistic curve P = σ(a + b ln d): weight n·P correct, n·(1−P) wrong.
std::vector<DecayObservation> LogisticData(double a, double b, double n) {
  std::vector<DecayObservation> obs;
  for (double d : kGrid) {
    const double p = 1 / (1 + std::exp(-(a + b * std::log(d))));
    obs.push_back({d, d, 1, NAN, n * p});
    obs.push_back({d, d, 0, NAN, n * (1 - p)});
  }
  return obs;
}

TEST(DecayFit, LogisticRecoversKnownParameters) {
  const LogisticFit fit = FitLogisticInLogDistance(LogisticData(8.0, -1.2, 1000));
  EXPECT_TRUE(fit.converged);
  EXPECT_NEAR(fit.a, 8.0, 1e-3);
  EXPECT_NEAR(fit.b, -1.2, 1e-3);
}

TEST(DecayFit, DistancesWhereAccuracyFallsTo90And50PercentOfItsStart) {
  // python3: p0 = σ(8 − 1.2 ln 16) = 0.990741; d = exp((logit(L·p0) − 8) / −1.2)
  //   L = 0.9 → 135.652413, L = 0.5 → 797.991717
  const auto obs = LogisticData(8.0, -1.2, 1000);
  EXPECT_NEAR(DecayDistance(obs, 0.9), 135.652413, 0.05);
  EXPECT_NEAR(DecayDistance(obs, 0.5), 797.991717, 0.3);
}

TEST(DecayFit, IndividualTrialsGiveTheSameFitAsTheirCounts) {
  // 10 trials per distance: correct for d <= 128, 7 of 10 at 256, wrong beyond.
  std::vector<DecayObservation> trials, grouped;
  for (double d : kGrid) {
    const int ok = d <= 128 ? 10 : d == 256 ? 7 : 0;
    for (int t = 0; t < 10; ++t) trials.push_back({d, d, t < ok ? 1.0 : 0.0, NAN, 1});
    grouped.push_back({d, d, 1, NAN, static_cast<double>(ok)});
    grouped.push_back({d, d, 0, NAN, static_cast<double>(10 - ok)});
  }
  const double a = DecayDistance(trials, 0.5), b = DecayDistance(grouped, 0.5);
  EXPECT_NEAR(a, b, 1e-6 * b);
  // The 50% point lies between 256 (70% correct) and 512 (none).
  EXPECT_GT(a, 256);
  EXPECT_LT(a, 512);
}

TEST(DecayFit, NotReachedIsNaN) {
  std::vector<DecayObservation> flat;
  for (double d : kGrid) flat.push_back({d, d, 1, NAN, 1});
  EXPECT_TRUE(std::isnan(DecayDistance(flat, 0.9)));  // never wrong
  std::vector<DecayObservation> none;
  for (double d : kGrid) none.push_back({d, d, 0, NAN, 1});
  EXPECT_TRUE(std::isnan(DecayDistance(none, 0.5)));  // never right
  // Falls slowly: at 4096 still above half its start (python3: σ(3 − 0.1 ln 4096) = 0.90).
  EXPECT_TRUE(std::isnan(DecayDistance(LogisticData(3.0, -0.1, 1000), 0.5)));
}

TEST(DecayFit, HalfLifeOfAnExponentiallyDecayingProbability) {
  // p(d) = 0.8 · 2^(−d/300): the half-life is 300 tokens. Measured distances sit a little past
  // the grid, as the probe's do.
  std::vector<DecayObservation> obs;
  for (double d : kGrid) {
    if (d > 2048) continue;
    const double measured = d + 3;
    const double p = 0.8 * std::pow(2.0, -measured / 300);
    obs.push_back({d, measured, 1, std::log(p), 1});
    obs.push_back({d, measured, 0, std::log(p), 1});
  }
  EXPECT_NEAR(AnswerHalfLife(obs), 300.0, 1e-6);
  // No decay: NaN.
  for (DecayObservation& o : obs) o.logprob = std::log(0.5);
  EXPECT_TRUE(std::isnan(AnswerHalfLife(obs)));
}

TEST(DecayFit, HalfLifeUsesTheMeanProbabilityNotTheMeanLogProbability) {
  // At d = 100 two trials with p = 0.9 and 0.1 (mean 0.5); at d = 200 p = 0.25 (mean 0.25).
  // ln 0.25 − ln 0.5 = −ln 2 over 100 tokens: half-life 100.
  std::vector<DecayObservation> obs = {{100, 100, 1, std::log(0.9), 1},
                                       {100, 100, 0, std::log(0.1), 1},
                                       {200, 200, 0, std::log(0.25), 2}};
  EXPECT_NEAR(AnswerHalfLife(obs), 100.0, 1e-9);
}

TEST(DecayFit, EffectiveLengthStopsAtTheFirstDistanceBelowTheThreshold) {
  // accuracy by distance: 16: 1.0, 32: 0.9, 64: 0.8, 128: 0.95 → effective length at 0.85: 32
  std::vector<DecayObservation> obs;
  const std::vector<std::pair<double, int>> ok = {{16, 20}, {32, 18}, {64, 16}, {128, 19}};
  for (const auto& [d, n] : ok) {
    obs.push_back({d, d + 2, 1, NAN, static_cast<double>(n)});
    obs.push_back({d, d + 2, 0, NAN, static_cast<double>(20 - n)});
  }
  EXPECT_EQ(EffectiveLength(obs, 0.85), 32);
  EXPECT_EQ(EffectiveLength(obs, 0.75), 128);
  EXPECT_EQ(EffectiveLength(obs, 0.99), 16);
  obs[0].weight = 10;  // 16: 10 correct …
  obs[1].weight = 10;  // … of 20: 0.5 falls short at once
  EXPECT_EQ(EffectiveLength(obs, 0.85), 0);
}

}  // namespace
}  // namespace rwkv::harness
