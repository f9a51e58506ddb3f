// Static decay profile against python3 on the official (bf16 safetensors) parameters:
// half-life = ln 2 / exp(w) for v4–v6 (w = time_decay as trained), ln 2 / (e^−0.5 σ(w0)) for v7.
#include "rwkv/decay_profile.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "shared_data.h"

namespace rwkv {
namespace {

struct Expected {
  const char* file;
  size_t channels;
  double min, median, max, first;
};

// python3 over every blocks.L.att.time_decay (per-head values repeated per channel) or w0.
const Expected kExpected[] = {
    {"tiny-rwkv-4v0-660K-bf16.safetensors", 512, 0.51611, 0.693147, 0.754243, 0.693043},
    {"tiny-rwkv-5v1-730K-bf16.safetensors", 768, 0.552086, 0.658666, 0.854252, 0.619515},
    {"tiny-rwkv-5v2-730K-bf16.safetensors", 768, 0.547789, 0.675728, 0.814338, 0.634827},
    {"tiny-rwkv-6v0-3m-bf16.safetensors", 1536, 1.70887, 32.1192, 307.12, 262.693},
    {"tiny-rwkv-7v0-834K-bf16.safetensors", 768, 6.22465, 125.23, 761.271, 761.271},
};

TEST(DecayProfile, HalfLivesMatchTheOfficialParameters) {
  REQUIRE_SHARED();
  for (const Expected& e : kExpected) {
    SCOPED_TRACE(e.file);
    auto m = Model::Load(testing::SharedPath(std::string("models/tiny/safetensors/") + e.file));
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    const DecayProfile p = StaticDecayProfile(**m);
    ASSERT_EQ(p.half_lives.size(), e.channels);
    std::vector<double> s = p.half_lives;
    std::sort(s.begin(), s.end());
    const size_t n = s.size();
    const double median = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    auto near = [](double a, double b) { return std::abs(a - b) <= 1e-4 * std::abs(b); };
    EXPECT_TRUE(near(s.front(), e.min)) << s.front();
    EXPECT_TRUE(near(median, e.median)) << median;
    EXPECT_TRUE(near(s.back(), e.max)) << s.back();
    EXPECT_TRUE(near(p.half_lives[0], e.first)) << p.half_lives[0];
    const ModelConfig& c = (*m)->config();
    const size_t heads = c.arch == Arch::kV4 ? 1 : static_cast<size_t>(c.n_head);
    ASSERT_EQ(p.heads.size(), static_cast<size_t>(c.n_layer) * heads);
    for (const HeadDecay& h : p.heads) {
      EXPECT_LE(h.min_half_life, h.median_half_life);
      EXPECT_LE(h.median_half_life, h.max_half_life);
    }
  }
}

TEST(DecayProfile, HistogramBinsArePowersOfTwo) {
  const std::vector<double> h = {0.5, 1.0, 1.9, 2.0, 3.9, 4.0, 1e9, INFINITY};
  // bins: [0,1) [1,2) [2,4) [4,∞)
  EXPECT_EQ(HalfLifeHistogram(h, 4), (std::vector<int>{1, 2, 2, 3}));
}

}  // namespace
}  // namespace rwkv
