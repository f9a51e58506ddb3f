// State: forking, saving and loading, thread-count independence, and long runs that must stay
// finite.
#include "rwkv/state.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "reference_inputs.h"
#include "rwkv/forward.h"
#include "rwkv/model.h"
#include "shared_data.h"

namespace rwkv {
namespace {

using testing::MaxAbsDiff;

std::shared_ptr<const Model> Load(const std::string& relative) {
  auto m = Model::Load(testing::SharedPath(relative));
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return m.ok() ? *m : nullptr;
}

std::vector<int32_t> Bytes(const std::string& s) { return {s.begin(), s.end()}; }

std::vector<float> Continue(const Model& m, State s, const std::vector<int32_t>& ids) {
  std::vector<float> logits;
  Status st = Forward(m, &s, ids, LogitsMode::kAll, &logits);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return logits;
}

TEST(StateTest, ForkedStatesAreIndependent) {
  REQUIRE_SHARED();
  auto m = Load("models/tiny/tiny-rwkv-5v2-730K-FP32.bin");
  ASSERT_TRUE(m);
  State a = State::Initial(*m);
  ASSERT_TRUE(Forward(*m, &a, Bytes("Once upon a time"), LogitsMode::kNone, nullptr).ok());
  const std::vector<float> before = a.data();
  State b = a;  // fork
  ASSERT_TRUE(Forward(*m, &b, Bytes(", in a land far away"), LogitsMode::kNone, nullptr).ok());
  EXPECT_EQ(a.data(), before) << "advancing the fork changed the original";
  EXPECT_NE(b.data(), before);
  // Two forks of the same state continue identically.
  State c = a;
  EXPECT_EQ(Continue(*m, a, Bytes(" there")), Continue(*m, c, Bytes(" there")));
}

TEST(StateTest, SaveAndLoadGiveIdenticalContinuations) {
  REQUIRE_SHARED();
  const std::string dir = testing::TempDir("state");
  for (const char* name : {"tiny/tiny-rwkv-4v0-660K-FP32", "tiny/tiny-rwkv-5v1-730K-FP16",
                           "tiny/tiny-rwkv-6v0-3m-Q5_1", "tiny/tiny-rwkv-7v0-834K-Q8_0"}) {
    auto m = Load(std::string("models/") + name + ".bin");
    ASSERT_TRUE(m);
    State s = State::Initial(*m);
    ASSERT_TRUE(Forward(*m, &s, Bytes("The state of the art"), LogitsMode::kNone, nullptr).ok());
    const std::string path = dir + "/state.bin";
    ASSERT_TRUE(s.Save(path).ok());
    auto loaded = State::Load(path, *m);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    EXPECT_EQ(loaded->data(), s.data()) << name;
    EXPECT_EQ(Continue(*m, *loaded, Bytes(" is here")), Continue(*m, s, Bytes(" is here"))) << name;
  }
}

TEST(StateTest, LoadingIntoAnotherModelIsAClearError) {
  REQUIRE_SHARED();
  auto v7 = Load("models/tiny/tiny-rwkv-7v0-834K-FP32.bin");
  auto v7_fp16 = Load("models/tiny/tiny-rwkv-7v0-834K-FP16.bin");  // same shape, other weights
  auto v4 = Load("models/tiny/tiny-rwkv-4v0-660K-FP32.bin");
  ASSERT_TRUE(v7 && v7_fp16 && v4);
  const std::string path = testing::TempDir("state") + "/v7.state";
  ASSERT_TRUE(State::Initial(*v7).Save(path).ok());
  for (const Model* other : {v7_fp16.get(), v4.get()}) {
    auto s = State::Load(path, *other);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(s.status().message().find("another model"), std::string::npos)
        << s.status().message();
    EXPECT_NE(s.status().message().find(path), std::string::npos) << s.status().message();
  }
  // Forward refuses a state made for another model, too.
  State wrong = State::Initial(*v7_fp16);
  std::vector<float> logits;
  EXPECT_EQ(Forward(*v7, &wrong, {1, 2}, LogitsMode::kLast, &logits).code(),
            StatusCode::kInvalidArgument);
}

TEST(StateTest, DamagedStateFilesAreRejected) {
  REQUIRE_SHARED();
  auto m = Load("models/tiny/tiny-rwkv-7v0-834K-FP32.bin");
  ASSERT_TRUE(m);
  const std::string dir = testing::TempDir("state");
  const std::string path = dir + "/s.state";
  ASSERT_TRUE(State::Initial(*m).Save(path).ok());
  const std::string bytes = testing::ReadFileBytes(path);
  for (size_t cut : {size_t{0}, size_t{5}, size_t{40}, bytes.size() - 1}) {
    const std::string p = dir + "/cut.state";
    FILE* f = std::fopen(p.c_str(), "wb");
    std::fwrite(bytes.data(), 1, cut, f);
    std::fclose(f);
    auto s = State::Load(p, *m);
    EXPECT_FALSE(s.ok()) << "cut at " << cut;
  }
  EXPECT_EQ(State::Load(dir + "/missing.state", *m).status().code(), StatusCode::kNotFound);
}

TEST(StateTest, OneAndTwoThreadsAgree) {
  REQUIRE_SHARED();
  const int saved = omp_get_max_threads();
  std::vector<int32_t> ids;
  for (int i = 0; i < 96; ++i) ids.push_back((i * 37 + 11) % 1000);
  for (const char* name : {"mid-rwkv-4v0-FP32", "mid-rwkv-5v2-FP32", "mid-rwkv-6v0-FP32",
                           "mid-rwkv-7v0-FP32", "mid-rwkv-7v0-Q8_0", "mid-rwkv-4v0-Q5_1"}) {
    auto m = Load(std::string("models/mid/") + name + ".bin");
    ASSERT_TRUE(m);
    for (int chunk : {1, 64}) {
      ForwardOptions o;
      o.max_chunk = chunk;
      std::vector<float> one, two;
      SetThreads(1);
      State s1 = State::Initial(*m);
      ASSERT_TRUE(Forward(*m, &s1, ids, LogitsMode::kAll, &one, o).ok());
      SetThreads(2);
      State s2 = State::Initial(*m);
      ASSERT_TRUE(Forward(*m, &s2, ids, LogitsMode::kAll, &two, o).ok());
      EXPECT_LE(MaxAbsDiff(one, two), 1e-5f) << name << " chunk " << chunk;
      // State values grow large (v4 keeps running sums): compare them relatively.
      for (size_t i = 0; i < s1.data().size(); ++i) {
        const float a = s1.data()[i], b = s2.data()[i];
        ASSERT_LE(std::fabs(a - b), 1e-5f * std::max(1.0f, std::fabs(a)))
            << name << " chunk " << chunk << " state value " << i;
      }
    }
  }
  SetThreads(saved);
}

// 20,000 tokens of mixed input: prose, random bytes, long runs of one byte, zeros.
std::vector<int32_t> MixedInput(size_t n) {
  const std::string prose =
      testing::ReadFileBytes(testing::SharedPath("reference/rwkv.cpp/prompt-seed.txt"));
  std::vector<int32_t> ids;
  uint64_t x = 88172645463325252ull;
  int section = 0;
  while (ids.size() < n) {
    switch (section++ % 4) {
      case 0:
        for (unsigned char ch : prose) ids.push_back(ch);
        break;
      case 1:
        for (int i = 0; i < 300; ++i) {
          x ^= x << 13, x ^= x >> 7, x ^= x << 17;  // xorshift64
          ids.push_back(static_cast<int32_t>(x % 256));
        }
        break;
      case 2:
        ids.insert(ids.end(), 400, 'a');
        break;
      case 3:
        ids.insert(ids.end(), 200, 0);
        break;
    }
  }
  ids.resize(n);
  return ids;
}

bool AllFinite(const std::vector<float>& v, size_t* bad) {
  for (size_t i = 0; i < v.size(); ++i) {
    if (!std::isfinite(v[i])) {
      *bad = i;
      return false;
    }
  }
  return true;
}

// Every model runs 20,000 tokens in both modes, except the 3M-parameter v6 one in serial mode
// (one token at a time, about four times the work of the others): 5,000 tokens, which still
// cover every kind of section many times. Under the sanitizers (about ten times slower) all
// runs are an eighth as long.
#if defined(__SANITIZE_ADDRESS__)
constexpr size_t kTokenDivisor = 8;
#else
constexpr size_t kTokenDivisor = 1;
#endif

struct LongRun {
  const char* model;
  int chunk;
  size_t tokens;
};

// One thread: these runs test numerical range, not threading (OneAndTwoThreadsAgree does), and
// many small parallel regions only add start-up and contention costs on a busy machine.
class LongRunTest : public ::testing::TestWithParam<LongRun> {
 protected:
  void SetUp() override {
    threads_ = omp_get_max_threads();
    SetThreads(1);
  }
  void TearDown() override { SetThreads(threads_); }
  int threads_ = 1;
};

TEST_P(LongRunTest, StaysFinite) {
  REQUIRE_SHARED();
  const LongRun& run = GetParam();
  const std::vector<int32_t> input = MixedInput(run.tokens / kTokenDivisor);
  auto m = Load(std::string("models/tiny/") + run.model + ".bin");
  ASSERT_TRUE(m);
  ForwardOptions o;
  o.max_chunk = run.chunk;
  State s = State::Initial(*m);
  std::vector<float> logits;
  ASSERT_TRUE(Forward(*m, &s, input, LogitsMode::kAll, &logits, o).ok());
  size_t bad = 0;
  EXPECT_TRUE(AllFinite(logits, &bad)) << "non-finite logit at token " << bad / 256;
  EXPECT_TRUE(AllFinite(s.data(), &bad)) << "non-finite state value " << bad;
}

std::vector<LongRun> LongRuns() {
  std::vector<LongRun> runs;
  for (const char* m :
       {"tiny-rwkv-4v0-660K-FP32", "tiny-rwkv-5v1-730K-FP32", "tiny-rwkv-5v2-730K-FP32",
        "tiny-rwkv-6v0-3m-Q5_1", "tiny-rwkv-7v0-834K-FP32"}) {
    const bool big = std::string(m).find("3m") != std::string::npos;
    runs.push_back({m, 128, 20000});
    runs.push_back({m, 1, big ? size_t{5000} : size_t{20000}});
  }
  return runs;
}

INSTANTIATE_TEST_SUITE_P(TinyModels, LongRunTest, ::testing::ValuesIn(LongRuns()),
                         [](const ::testing::TestParamInfo<LongRun>& info) {
                           std::string n = std::string(info.param.model) +
                                           (info.param.chunk == 1 ? "_serial" : "_sequence");
                           for (char& ch : n) {
                             if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return n;
                         });

}  // namespace
}  // namespace rwkv
