// The lambada suite's mechanics on a tiny real model: every request is (passage without its
// last word, " " + last word), acc is "greedy reproduces every target token", perplexity is
// exp of the negative mean target log-prob (checked against the records by hand).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "rwkv/harness/runner.h"
#include "rwkv/harness/suite_loader.h"
#include "shared_data.h"

namespace rwkv::harness {
namespace {

// Sanitizer builds run the engine ~50× slower: fewer passages there.
#ifdef __SANITIZE_ADDRESS__
constexpr int kDocs = 2;
#else
constexpr int kDocs = 8;
#endif

TEST(Lambada, MatchesDirectRequestsOnATinyModel) {
  REQUIRE_SHARED();
  LoadOptions lo;
  lo.data_dir = rwkv::testing::SharedPath("datasets");
  auto suites = LoadSuites({"lambada"}, lo);
  ASSERT_TRUE(suites.ok()) << suites.status().ToString();
  adapters::AdapterOptions ao;
  ao.threads = 1;  // a tiny model; more threads only add synchronization
  auto model =
      adapters::OpenModel(rwkv::testing::SharedPath("models/tiny/tiny-rwkv-7v0-834K-FP32.bin"), ao);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  RunOptions o;
  o.config.limit = kDocs;
  o.config.data_dir = lo.data_dir;
  o.out_dir = rwkv::testing::TempDir("lambada") + "/out";
  auto r = RunSuites(*suites, **model, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();

  // The same requests built by hand from the raw JSONL lines.
  std::ifstream in(lo.data_dir + "/lambada_test.jsonl");
  std::string line;
  double sum = 0, greedy = 0;
  for (int i = 0; i < kDocs && std::getline(in, line); ++i) {
    const std::string text = nlohmann::json::parse(line)["text"].get<std::string>();
    const size_t space = text.rfind(' ');
    adapters::LoglikelihoodRequest req{"direct", "", text.substr(0, space), text.substr(space)};
    auto lp = (*model)->Loglikelihood(req);
    ASSERT_TRUE(lp.ok()) << lp.status().ToString();
    sum += lp->logprob;
    greedy += lp->is_greedy ? 1 : 0;
  }
  const TaskResult& t = r->tasks[0];
  EXPECT_EQ(t.n_scored, kDocs);
  EXPECT_NEAR(t.Find("logprob")->value, sum / kDocs, 1e-9);
  EXPECT_NEAR(t.Find("perplexity")->value, std::exp(-sum / kDocs), 1e-6 * std::exp(-sum / kDocs));
  EXPECT_DOUBLE_EQ(t.Find("acc")->value, greedy / kDocs);
}

}  // namespace
}  // namespace rwkv::harness
