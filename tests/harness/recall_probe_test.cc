// Memory-decay probes: one pass with forked states gives what whole prompts give, item by item.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include "rwkv/adapters/builtin_adapter.h"
#include "rwkv/harness/recall_probe.h"
#include "shared_data.h"

namespace rwkv::harness {
namespace {

std::unique_ptr<adapters::ModelAdapter> Tiny() {
  auto m = adapters::OpenBuiltinModel(
      testing::SharedPath("models/tiny/tiny-rwkv-7v0-834K-FP32.bin"), {});
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return m.ok() ? std::move(*m) : nullptr;
}

void ExpectSameResults(const RecallSpec& spec) {
  auto model = Tiny();
  ASSERT_TRUE(model);
  RecallOptions one;
  auto a = RunRecall(*model, spec, one);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  RecallOptions whole;
  whole.one_pass = false;
  whole.count_tokens = [](const std::string& s) { return static_cast<int64_t>(s.size()); };
  auto b = RunRecall(*model, spec, whole);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  ASSERT_EQ(a->size(), b->size());
  ASSERT_FALSE(a->empty());
  for (size_t i = 0; i < a->size(); ++i) {
    const RecallResult& x = (*a)[i];
    const RecallResult& y = (*b)[i];
    SCOPED_TRACE("checkpoint " + std::to_string(i));
    EXPECT_EQ(x.prompt_digest, y.prompt_digest);  // the very same prompt text
    EXPECT_EQ(x.distance, y.distance);
    if (spec.kind != RecallKind::kNeedle) {
      EXPECT_GE(x.distance, x.target);
    }
    EXPECT_EQ(x.answer, y.answer);
    EXPECT_EQ(x.output, y.output);
    EXPECT_EQ(x.correct, y.correct);
    EXPECT_NEAR(x.answer_logprob, y.answer_logprob, 1e-4);
    EXPECT_LT(x.answer_logprob, 0.0);
  }
}

TEST(RecallProbe, PasskeyOnePassEqualsWholePrompts) {
  REQUIRE_SHARED();
  RecallSpec spec;
  spec.kind = RecallKind::kPasskey;
  spec.distances = {0, 16, 100, 300};
  spec.trials = 2;
  ExpectSameResults(spec);
}

TEST(RecallProbe, OtherProbesOnePassEqualsWholePrompts) {
  REQUIRE_SHARED();
  for (RecallKind k :
       {RecallKind::kMultiKey, RecallKind::kMultiValue, RecallKind::kVariableTracking}) {
    SCOPED_TRACE(RecallKindName(k));
    RecallSpec spec;
    spec.kind = k;
    spec.distances = {8, 120};
    spec.trials = 1;
    ExpectSameResults(spec);
  }
}

TEST(RecallProbe, NeedleGridOnePassEqualsWholePrompts) {
  REQUIRE_SHARED();
  RecallSpec spec;
  spec.kind = RecallKind::kNeedle;
  spec.lengths = {64, 200};
  spec.depths = {0.0, 0.5, 1.0};
  spec.trials = 1;
  ExpectSameResults(spec);
}

TEST(RecallProbe, PromptsFollowThePasskeyFormat) {
  REQUIRE_SHARED();
  auto model = Tiny();
  ASSERT_TRUE(model);
  RecallSpec spec;
  spec.distances = {10};
  spec.trials = 3;
  auto r = RunRecall(*model, spec, {});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 3u);
  for (const RecallResult& x : *r) {
    EXPECT_EQ(x.answer.size(), 5u);
    EXPECT_NE(x.answer[0], '0');
  }
  EXPECT_NE((*r)[0].answer, (*r)[1].answer);  // each trial its own key
  // Deterministic for the seed.
  auto again = RunRecall(*model, spec, {});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)[2].answer, (*r)[2].answer);
  EXPECT_EQ((*again)[2].output, (*r)[2].output);
}

TEST(RecallProbe, RejectsBadGrids) {
  REQUIRE_SHARED();
  auto model = Tiny();
  ASSERT_TRUE(model);
  RecallSpec spec;
  spec.distances = {64, 16};
  EXPECT_EQ(RunRecall(*model, spec, {}).status().code(), StatusCode::kInvalidArgument);
  spec.kind = RecallKind::kNeedle;
  spec.lengths = {64};
  spec.depths = {1.5};
  EXPECT_EQ(RunRecall(*model, spec, {}).status().code(), StatusCode::kInvalidArgument);
}

long PeakRssKb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

// The recurrent state does not grow with distance: 20,000 tokens of filler cost no more memory
// than 1,000 (a benchmark runs the same check at 100,000).
TEST(RecallProbe, MemoryStaysConstantWithDistance) {
  REQUIRE_SHARED();
#ifdef __SANITIZE_ADDRESS__
  GTEST_SKIP() << "AddressSanitizer's quarantine holds freed memory, so peak RSS says nothing "
                  "here; the Release build runs this check";
#endif
  auto model = Tiny();
  ASSERT_TRUE(model);
  RecallSpec spec;
  spec.trials = 1;
  spec.distances = {1000};
  ASSERT_TRUE(RunRecall(*model, spec, {}).ok());
  const long after_short = PeakRssKb();
  spec.distances = {20000};
  auto r = RunRecall(*model, spec, {});
  ASSERT_TRUE(r.ok());
  EXPECT_GE((*r)[0].distance, 20000);
  const long after_long = PeakRssKb();
  EXPECT_LE(after_long - after_short, 4 * 1024)
      << "peak RSS grew by " << after_long - after_short << " KiB";
}

TEST(PositionLoss, BucketsByPowersOfTwo) {
  REQUIRE_SHARED();
  auto model = Tiny();
  ASSERT_TRUE(model);
  std::string text;
  for (int i = 0; i < 20; ++i) text += "The quick brown fox jumps over the lazy dog. ";
  auto b = MeasurePositionLoss(*model, text);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  int64_t total = 0;
  for (size_t k = 0; k < b->size(); ++k) {
    total += (*b)[k].tokens;
    EXPECT_GT((*b)[k].mean_nll, 0.0);
    if (k > 0) {
      EXPECT_EQ((*b)[k].start, int64_t{1} << k);
    }
  }
  EXPECT_EQ(total, static_cast<int64_t>(text.size()));
  EXPECT_EQ((*b)[0].tokens, 2);
  EXPECT_EQ((*b)[1].tokens, 2);  // positions 2, 3
}

}  // namespace
}  // namespace rwkv::harness
