#include <gtest/gtest.h>

#include <cmath>

#include "rwkv/adapters/builtin_adapter.h"
#include "rwkv/forward.h"
#include "shared_data.h"

namespace rwkv::adapters {
namespace {

std::string TinyModel() { return testing::SharedPath("models/tiny/tiny-rwkv-7v0-834K-FP32.bin"); }

// log p(text[i] | 0, text[..i]) summed, straight from the engine's logits.
double ReferenceLogprob(const std::string& context, const std::string& continuation, bool* greedy) {
  auto model = Model::Load(TinyModel());
  EXPECT_TRUE(model.ok());
  std::vector<int32_t> ids = {};
  for (unsigned char c : context) ids.push_back(c);
  if (ids.empty()) ids.push_back(0);
  const size_t n_ctx = ids.size();
  for (unsigned char c : continuation) ids.push_back(c);
  State s = State::Initial(**model);
  std::vector<float> logits;
  EXPECT_TRUE(Forward(**model, &s, ids, LogitsMode::kAll, &logits).ok());
  double total = 0;
  *greedy = true;
  for (size_t i = n_ctx; i < ids.size(); ++i) {
    const float* row = logits.data() + (i - 1) * 256;
    double mx = -1e30, sum = 0;
    int arg = 0;
    for (int v = 0; v < 256; ++v) {
      if (row[v] > mx) {
        mx = row[v];
        arg = v;
      }
    }
    for (int v = 0; v < 256; ++v) sum += std::exp(row[v] - mx);
    total += row[ids[i]] - mx - std::log(sum);
    if (arg != ids[i]) *greedy = false;
  }
  return total;
}

TEST(BuiltinAdapter, LoglikelihoodMatchesEngineLogits) {
  REQUIRE_SHARED();
  auto m = OpenBuiltinModel(TinyModel(), {});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ((*m)->info().architecture, "v7");
  EXPECT_EQ((*m)->info().sha256.size(), 64u);
  bool greedy = false;
  const double want = ReferenceLogprob("The quick brown", " fox", &greedy);
  LoglikelihoodRequest req{"i1", "The quick", " brown", " fox"};
  auto r = (*m)->Loglikelihood(req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NEAR(r->logprob, want, 1e-4);
  EXPECT_EQ(r->is_greedy, greedy);
  EXPECT_EQ(r->n_tokens, 4);
  // Served again from the cached prefix state: identical.
  auto again = (*m)->Loglikelihood(req);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->logprob, r->logprob);
}

TEST(BuiltinAdapter, RollingStartsFromEndOfText) {
  REQUIRE_SHARED();
  auto m = OpenBuiltinModel(TinyModel(), {});
  ASSERT_TRUE(m.ok());
  bool greedy;
  const double want = ReferenceLogprob("", "Hello world", &greedy);
  auto r = (*m)->LoglikelihoodRolling("doc", "Hello world");
  ASSERT_TRUE(r.ok());
  EXPECT_NEAR(r->logprob, want, 1e-4);
  EXPECT_EQ(r->n_tokens, 11);
}

TEST(BuiltinAdapter, SessionsForkIndependently) {
  REQUIRE_SHARED();
  auto m = OpenBuiltinModel(TinyModel(), {});
  ASSERT_TRUE(m.ok());
  auto s = (*m)->NewSession();
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE((*s)->Append("Once upon").ok());
  auto fork = (*s)->Fork();
  ASSERT_TRUE(fork->Append(" a time there was").ok());
  EXPECT_EQ((*s)->tokens(), 9);
  EXPECT_EQ(fork->tokens(), 26);
  bool greedy;
  auto a = (*s)->Loglikelihood(" a");
  ASSERT_TRUE(a.ok());
  EXPECT_NEAR(a->logprob, ReferenceLogprob("Once upon", " a", &greedy), 1e-4);
  auto b = fork->Loglikelihood(" a");
  ASSERT_TRUE(b.ok());
  EXPECT_NEAR(b->logprob, ReferenceLogprob("Once upon a time there was", " a", &greedy), 1e-4);
}

TEST(BuiltinAdapter, MissingFileIsAClearError) {
  auto m = OpenModel("/nonexistent/model.bin", {});
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("/nonexistent/model.bin"), std::string::npos);
}

TEST(ChatFormat, RendersRwkvUserAssistant) {
  const std::string s = RenderRwkvChat({{"system", "Be brief."},
                                        {"user", "What is 2+2?"},
                                        {"assistant", "4"},
                                        {"user", "And 3+3?"}});
  EXPECT_EQ(s, "Be brief.\n\nUser: What is 2+2?\n\nAssistant: 4\n\nUser: And 3+3?\n\nAssistant:");
}

}  // namespace
}  // namespace rwkv::adapters
