// Sampler: greedy, penalties as the official pipeline applies them, top-k, top-p, temperature,
// seeding. Expected values are worked out by hand in the comments.
#include "rwkv/sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace rwkv {
namespace {

std::vector<float> LogProbs(const std::vector<double>& p) {
  std::vector<float> z;
  for (double v : p) z.push_back(static_cast<float>(std::log(v)));
  return z;
}

// Frequencies of each id over `n` draws from the same logits.
std::vector<double> Frequencies(const SamplingParams& params, const std::vector<float>& logits,
                                int n) {
  Sampler s(params);
  std::vector<double> f(logits.size(), 0.0);
  for (int i = 0; i < n; ++i) {
    std::vector<float> z = logits;
    f[static_cast<size_t>(s.Sample(&z))] += 1.0 / n;
  }
  return f;
}

TEST(SamplerTest, GreedyPicksTheFirstMaximum) {
  Sampler s(SamplingParams{});
  std::vector<float> z = {0.1f, 2.5f, -1.0f, 2.5f};
  EXPECT_EQ(s.Sample(&z), 1);
  z = {-3.0f, -2.0f, -7.0f};
  EXPECT_EQ(s.Sample(&z), 1);
}

TEST(SamplerTest, PresenceAndFrequencyPenaltiesFollowThePipeline) {
  SamplingParams p;
  p.presence_penalty = 0.2f;
  p.frequency_penalty = 0.3f;
  Sampler s(p);
  s.Accept(0);
  s.Accept(0);
  s.Accept(2, 0.0f);  // a whitespace/digit token: presence only
  std::vector<float> z = {1.0f, 0.5f, 0.7f};
  // id 0: 1.0 - (0.2 + 2 * 0.3) = 0.2;  id 1: untouched 0.5;  id 2: 0.7 - (0.2 + 0) = 0.5
  EXPECT_EQ(s.Sample(&z), 1);  // first maximum of {0.2, 0.5, 0.5}
  EXPECT_NEAR(z[0], 0.2f, 1e-6);
  EXPECT_NEAR(z[1], 0.5f, 1e-6);
  EXPECT_NEAR(z[2], 0.5f, 1e-6);
}

TEST(SamplerTest, PenaltyCountsDecay) {
  SamplingParams p;
  p.frequency_penalty = 1.0f;
  p.penalty_decay = 0.5f;
  Sampler s(p);
  s.Accept(0);  // counts {0: 1}
  s.Accept(1);  // counts {0: 0.5, 1: 1}
  s.Accept(1);  // counts {0: 0.25, 1: 1.5}
  std::vector<float> z = {0.0f, 0.0f, 0.0f};
  s.Sample(&z);
  EXPECT_NEAR(z[0], -0.25f, 1e-6);
  EXPECT_NEAR(z[1], -1.5f, 1e-6);
  EXPECT_EQ(z[2], 0.0f);
}

TEST(SamplerTest, TopKOneIsGreedy) {
  SamplingParams p;
  p.temperature = 1.5f;
  p.top_k = 1;
  const std::vector<float> z = LogProbs({0.2, 0.1, 0.4, 0.3});
  for (uint64_t seed = 0; seed < 50; ++seed) {
    p.seed = seed;
    Sampler s(p);
    std::vector<float> copy = z;
    EXPECT_EQ(s.Sample(&copy), 2);
  }
}

TEST(SamplerTest, TopKTwoKeepsTheTwoMostProbable) {
  SamplingParams p;
  p.temperature = 1.0f;
  p.top_k = 2;
  // Kept {0.4, 0.3} renormalized: 4/7 and 3/7.
  const auto f = Frequencies(p, LogProbs({0.2, 0.1, 0.4, 0.3}), 20000);
  EXPECT_EQ(f[0], 0.0);
  EXPECT_EQ(f[1], 0.0);
  EXPECT_NEAR(f[2], 4.0 / 7, 0.02);
  EXPECT_NEAR(f[3], 3.0 / 7, 0.02);
}

TEST(SamplerTest, TopPCutsAtTheTokenThatReachesTheMass) {
  SamplingParams p;
  p.temperature = 1.0f;
  p.top_p = 0.7f;
  // Sorted 0.5, 0.3, 0.2: the cumulative mass reaches 0.7 at 0.3, so {0.5, 0.3} stay: 5/8, 3/8.
  auto f = Frequencies(p, LogProbs({0.2, 0.5, 0.3}), 20000);
  EXPECT_EQ(f[0], 0.0);
  EXPECT_NEAR(f[1], 5.0 / 8, 0.02);
  EXPECT_NEAR(f[2], 3.0 / 8, 0.02);
  p.top_p = 0.45f;  // reached at the first token already
  f = Frequencies(p, LogProbs({0.2, 0.5, 0.3}), 2000);
  EXPECT_NEAR(f[1], 1.0, 1e-9);
}

TEST(SamplerTest, TemperatureSharpensTheDistribution) {
  SamplingParams p;
  p.temperature = 1.0f;
  auto f = Frequencies(p, LogProbs({0.5, 0.3, 0.2}), 20000);
  EXPECT_NEAR(f[0], 0.5, 0.02);
  EXPECT_NEAR(f[1], 0.3, 0.02);
  EXPECT_NEAR(f[2], 0.2, 0.02);
  // T = 0.5: p^2 normalized = 0.25, 0.09, 0.04 over 0.38.
  p.temperature = 0.5f;
  f = Frequencies(p, LogProbs({0.5, 0.3, 0.2}), 20000);
  EXPECT_NEAR(f[0], 0.25 / 0.38, 0.02);
  EXPECT_NEAR(f[1], 0.09 / 0.38, 0.02);
  EXPECT_NEAR(f[2], 0.04 / 0.38, 0.02);
}

TEST(SamplerTest, SameSeedSameDrawsDifferentSeedDifferentDraws) {
  const std::vector<float> z = LogProbs({0.1, 0.2, 0.3, 0.25, 0.15});
  auto draws = [&](uint64_t seed) {
    SamplingParams p;
    p.temperature = 1.0f;
    p.seed = seed;
    Sampler s(p);
    std::vector<int32_t> out;
    for (int i = 0; i < 64; ++i) {
      std::vector<float> c = z;
      out.push_back(s.Sample(&c));
    }
    return out;
  };
  EXPECT_EQ(draws(7), draws(7));
  EXPECT_NE(draws(7), draws(8));
}

TEST(SamplerTest, NanLogitsAreNeverChosen) {
  SamplingParams p;
  p.temperature = 1.0f;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    p.seed = seed;
    Sampler s(p);
    std::vector<float> z = {NAN, 0.0f, NAN};
    EXPECT_EQ(s.Sample(&z), 1);
  }
}

}  // namespace
}  // namespace rwkv
