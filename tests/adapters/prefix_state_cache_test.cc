// The server's prefix-state cache: longest aligned prefix, at least one token left to evaluate,
// no false hits, least-recently-used eviction within the byte budget.
#include "rwkv/adapters/prefix_state_cache.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "model_logits.h"
#include "rwkv/forward.h"
#include "rwkv/model.h"
#include "rwkv/random_model.h"

namespace rwkv::adapters {
namespace {

class PrefixStateCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RandomModelSpec spec;
    spec.n_layer = 1;
    spec.n_embd = 64;
    spec.n_vocab = 100;
    spec.seed = 3;
    model_ = testing::LoadRandomModel(spec, "prefix-cache");
    ASSERT_TRUE(model_);
  }
  // The state after tokens[0, n).
  State After(const std::vector<int32_t>& tokens, size_t n) {
    State s = State::Initial(*model_);
    const std::vector<int32_t> prefix(tokens.begin(), tokens.begin() + static_cast<long>(n));
    EXPECT_TRUE(Forward(*model_, &s, prefix, LogitsMode::kLast, nullptr).ok());
    return s;
  }
  std::shared_ptr<const Model> model_;
};

PrefixStateCache::Tokens Shared(const std::vector<int32_t>& t) {
  return std::make_shared<const std::vector<int32_t>>(t);
}

std::vector<int32_t> Tokens(size_t n, int32_t salt) {
  std::vector<int32_t> t(n);
  for (size_t i = 0; i < n; ++i) t[i] = static_cast<int32_t>((i * 7 + salt) % 100);
  return t;
}

TEST_F(PrefixStateCacheTest, FindsTheLongestRememberedPrefixLeavingOneToken) {
  PrefixStateCache cache(size_t{1} << 20, 4);
  const std::vector<int32_t> a = Tokens(12, 1);
  const PrefixStateCache::Tokens shared_a = Shared(a);
  cache.Insert(shared_a, 4, After(a, 4));
  cache.Insert(shared_a, 8, After(a, 8));
  cache.Insert(shared_a, 12, After(a, 12));
  // The three entries hold one copy of the prompt: each is charged its state and one stride.
  EXPECT_EQ(cache.bytes(), 3 * (After(a, 4).data().size() * sizeof(float) + 4 * sizeof(int32_t)));
  // Ours, the three entries', and the cache's note of the prompt it hashed last: no copies.
  EXPECT_EQ(shared_a.use_count(), 5);
  State s;
  // A longer prompt with the same 12 tokens first: the whole of them.
  std::vector<int32_t> longer = a;
  longer.push_back(5);
  EXPECT_EQ(cache.Lookup(longer, &s), 12u);
  EXPECT_EQ(s.data(), After(a, 12).data());
  // The same 12 tokens: 8, so that the last one is still evaluated (its logits are needed).
  EXPECT_EQ(cache.Lookup(a, &s), 8u);
  EXPECT_EQ(s.data(), After(a, 8).data());
  // Parting after token 6: the prefix of 4.
  std::vector<int32_t> parted = a;
  parted[6] = (parted[6] + 1) % 100;
  EXPECT_EQ(cache.Lookup(parted, &s), 4u);
  EXPECT_EQ(s.data(), After(a, 4).data());
  // Different from the first token: nothing, and the state is left as it was.
  State untouched = State::Initial(*model_);
  EXPECT_EQ(cache.Lookup(Tokens(12, 2), &untouched), 0u);
  EXPECT_EQ(untouched.data(), State::Initial(*model_).data());
  EXPECT_EQ(cache.hit_tokens(), 12u + 8u + 4u);
}

TEST_F(PrefixStateCacheTest, EvictsLeastRecentlyUsedWithinTheBudget) {
  const std::vector<int32_t> a = Tokens(8, 1), b = Tokens(8, 2), c = Tokens(8, 3);
  const State sa = After(a, 4);
  const size_t entry = 4 * sizeof(int32_t) + sa.data().size() * sizeof(float);
  PrefixStateCache cache(2 * entry, 4);  // room for two entries
  cache.Insert(Shared(a), 4, sa);
  cache.Insert(Shared(b), 4, After(b, 4));
  State s;
  EXPECT_EQ(cache.Lookup(a, &s), 4u);       // a is now the most recent
  cache.Insert(Shared(c), 4, After(c, 4));  // evicts b
  EXPECT_EQ(cache.entries(), 2u);
  EXPECT_LE(cache.bytes(), 2 * entry);
  EXPECT_EQ(cache.Lookup(b, &s), 0u);
  EXPECT_EQ(cache.Lookup(a, &s), 4u);
  EXPECT_EQ(cache.Lookup(c, &s), 4u);
  // A budget of zero keeps nothing.
  PrefixStateCache off(0, 4);
  off.Insert(Shared(a), 4, sa);
  EXPECT_EQ(off.entries(), 0u);
  EXPECT_EQ(off.Lookup(a, &s), 0u);
}

}  // namespace
}  // namespace rwkv::adapters
