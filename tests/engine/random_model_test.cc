// Random-weight models: a made file loads, the architecture and shape are detected as made,
// and a forward pass is finite in both modes.
#include "rwkv/random_model.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <string>
#include <vector>

#include "model_logits.h"
#include "rwkv/forward.h"
#include "rwkv/model.h"
#include "shared_data.h"

namespace rwkv {
namespace {

struct Case {
  Arch arch;
  DType dtype;
};

class RandomModelTest : public ::testing::TestWithParam<Case> {};

TEST_P(RandomModelTest, LoadsWithTheMadeShapeAndRunsFinite) {
  RandomModelSpec spec;
  spec.arch = GetParam().arch;
  spec.dtype = GetParam().dtype;
  spec.n_layer = 2;
  spec.n_embd = 128;
  spec.head_size = 64;
  spec.n_vocab = 300;
  spec.seed = 11;
  const std::shared_ptr<const Model> m = testing::LoadRandomModel(spec, "random-model");
  ASSERT_TRUE(m);
  const ModelConfig& c = m->config();
  EXPECT_EQ(c.arch, spec.arch);
  EXPECT_EQ(c.n_layer, 2);
  EXPECT_EQ(c.n_embd, 128);
  EXPECT_EQ(c.n_vocab, 300);
  if (spec.arch != Arch::kV4) {
    EXPECT_EQ(c.n_head, 2);
    EXPECT_EQ(c.head_size, 64);
  }
  // Official default FFN sizes: 4 * 128, or for v6 int(3.5 * 128) // 32 * 32 = 448.
  EXPECT_EQ(c.n_ffn, spec.arch == Arch::kV6 ? 448 : 512);
  if (spec.arch == Arch::kV7) {
    // Official v7 low-rank sizes for C = 128: max(32, round(1.8 * sqrt(128) / 32) * 32) = 32, ...
    EXPECT_EQ(c.w_lora, 32);
    EXPECT_EQ(c.a_lora, 32);
    EXPECT_EQ(c.v_lora, 32);
    EXPECT_EQ(c.g_lora, 32);  // 0.6 * 128^0.8 = 29.2 -> 32
  }
  if (IsQuantized(spec.dtype) || spec.dtype == DType::kF16) {
    EXPECT_EQ(m->layers()[0].att_k.dtype, spec.dtype);
    EXPECT_EQ(m->head().dtype, spec.dtype);
  }
  std::vector<int32_t> ids;
  for (int i = 0; i < 40; ++i) ids.push_back((i * 53 + 1) % 300);
  std::vector<float> serial, sequence;
  ForwardOptions o;
  o.max_chunk = 1;
  State s1 = State::Initial(*m);
  ASSERT_TRUE(Forward(*m, &s1, ids, LogitsMode::kAll, &serial, o).ok());
  o.max_chunk = 16;
  State s2 = State::Initial(*m);
  ASSERT_TRUE(Forward(*m, &s2, ids, LogitsMode::kAll, &sequence, o).ok());
  float spread = 0.0f, diff = 0.0f;
  for (size_t i = 0; i < serial.size(); ++i) {
    ASSERT_TRUE(std::isfinite(serial[i]) && std::isfinite(sequence[i])) << i;
    spread = std::max(spread, std::fabs(serial[i]));
    diff = std::max(diff, std::fabs(serial[i] - sequence[i]));
  }
  EXPECT_GT(spread, 0.01f) << "logits are all near zero: the weights are implausibly scaled";
  EXPECT_LT(spread, 100.0f) << "logits are huge: the weights are implausibly scaled";
  EXPECT_LE(diff, 1e-3f);
}

INSTANTIATE_TEST_SUITE_P(
    Architectures, RandomModelTest,
    ::testing::Values(Case{Arch::kV4, DType::kF32}, Case{Arch::kV4, DType::kQ5_1},
                      Case{Arch::kV5_2, DType::kF16}, Case{Arch::kV5_2, DType::kQ4_0},
                      Case{Arch::kV6, DType::kQ8_0}, Case{Arch::kV6, DType::kQ4_1},
                      Case{Arch::kV7, DType::kF32}, Case{Arch::kV7, DType::kQ5_0}),
    [](const ::testing::TestParamInfo<Case>& info) {
      std::string n = std::string(ArchName(info.param.arch)) + "_" + DTypeName(info.param.dtype);
      for (char& ch : n) {
        if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return n;
    });

// Sequence mode splits its elementwise work over tokens and its recurrences over heads (v4:
// channels) between threads. Every value is computed the same way whatever the thread count, so 1
// and 2 threads give bit-identical logits and states. The shape is large enough (T x C above the
// size where the work goes parallel) that every parallel branch runs.
TEST(RandomModelTest, SequenceModeIsBitIdenticalWithOneAndTwoThreads) {
  const int saved = omp_get_max_threads();
  for (Arch arch : {Arch::kV4, Arch::kV5_2, Arch::kV6, Arch::kV7}) {
    RandomModelSpec spec;
    spec.arch = arch;
    spec.n_layer = 1;
    spec.n_embd = 256;
    spec.head_size = 64;
    spec.n_vocab = 300;
    spec.seed = 5;
    const std::shared_ptr<const Model> m = testing::LoadRandomModel(spec, "random-model-threads");
    ASSERT_TRUE(m);
    std::vector<int32_t> ids;
    for (int i = 0; i < 300; ++i) ids.push_back((i * 97 + 5) % 300);
    ForwardOptions o;
    o.max_chunk = 300;
    std::vector<float> one, two;
    SetThreads(1);
    State s1 = State::Initial(*m);
    ASSERT_TRUE(Forward(*m, &s1, ids, LogitsMode::kAll, &one, o).ok());
    SetThreads(2);
    State s2 = State::Initial(*m);
    ASSERT_TRUE(Forward(*m, &s2, ids, LogitsMode::kAll, &two, o).ok());
    ASSERT_EQ(one.size(), two.size());
    size_t differing = 0;
    for (size_t i = 0; i < one.size(); ++i) differing += one[i] != two[i];
    EXPECT_EQ(differing, 0u) << ArchName(arch) << ": logits differ between 1 and 2 threads";
    EXPECT_TRUE(s1.data() == s2.data()) << ArchName(arch) << ": states differ";
  }
  SetThreads(saved);
}

// ForwardOptions::after_chunk sees the state after every chunk, equal to the state of a run that
// stops there.
TEST(RandomModelTest, AfterChunkSeesTheStateAtEveryChunkBoundary) {
  RandomModelSpec spec;
  spec.n_layer = 1;
  spec.n_embd = 64;
  spec.n_vocab = 100;
  const std::shared_ptr<const Model> m = testing::LoadRandomModel(spec, "random-model-chunks");
  ASSERT_TRUE(m);
  std::vector<int32_t> ids;
  for (int i = 0; i < 70; ++i) ids.push_back((i * 13 + 1) % 100);
  ForwardOptions o;
  o.max_chunk = 32;
  std::vector<size_t> seen;
  std::vector<std::vector<float>> states;
  o.after_chunk = [&](size_t done, const State& s) {
    seen.push_back(done);
    states.push_back(s.data());
  };
  State whole = State::Initial(*m);
  ASSERT_TRUE(Forward(*m, &whole, ids, LogitsMode::kNone, nullptr, o).ok());
  EXPECT_EQ(seen, (std::vector<size_t>{32, 64, 70}));
  ASSERT_EQ(states.size(), 3u);
  EXPECT_EQ(states.back(), whole.data());
  ForwardOptions plain;
  plain.max_chunk = 32;
  for (size_t i = 0; i < seen.size(); ++i) {
    State part = State::Initial(*m);
    const std::vector<int32_t> prefix(ids.begin(), ids.begin() + static_cast<long>(seen[i]));
    ASSERT_TRUE(Forward(*m, &part, prefix, LogitsMode::kNone, nullptr, plain).ok());
    EXPECT_EQ(states[i], part.data()) << "after " << seen[i] << " tokens";
  }
}

TEST(RandomModelTest, SameSeedSameFileDifferentSeedDifferentWeights) {
  RandomModelSpec spec;
  spec.arch = Arch::kV7;
  spec.n_layer = 1;
  spec.n_embd = 64;
  spec.n_vocab = 64;
  const std::string dir = testing::TempDir("random-model");
  ASSERT_TRUE(WriteRandomModel(spec, dir + "/a.bin").ok());
  ASSERT_TRUE(WriteRandomModel(spec, dir + "/b.bin").ok());
  spec.seed = 1;
  ASSERT_TRUE(WriteRandomModel(spec, dir + "/c.bin").ok());
  const std::string a = testing::ReadFileBytes(dir + "/a.bin");
  EXPECT_EQ(a, testing::ReadFileBytes(dir + "/b.bin"));
  const std::string c = testing::ReadFileBytes(dir + "/c.bin");
  EXPECT_EQ(a.size(), c.size());
  EXPECT_NE(a, c);
}

TEST(RandomModelTest, BadSpecsAreErrors) {
  RandomModelSpec spec;
  spec.n_embd = 100;  // not a multiple of 64
  EXPECT_EQ(MakeRandomModel(spec).status().code(), StatusCode::kInvalidArgument);
  spec.n_embd = 64;
  spec.n_layer = 0;
  EXPECT_EQ(MakeRandomModel(spec).status().code(), StatusCode::kInvalidArgument);
  spec.n_layer = 1;
  spec.arch = Arch::kV5_0;
  EXPECT_EQ(MakeRandomModel(spec).status().code(), StatusCode::kUnsupported);
}

}  // namespace
}  // namespace rwkv
