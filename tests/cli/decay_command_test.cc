// `rwkv-eval decay` end to end on a tiny model: the table, the summaries, the static decay
// profile, and results.json / samples.jsonl / report.html as `run` writes them.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "run_shell.h"
#include "shared_data.h"

namespace {

using rwkv::testing::ShellResult;

ShellResult RunCli(const std::string& args) {
  return rwkv::testing::RunShell("'" RWKV_EVAL_BINARY "' " + args + " 2>&1");
}

TEST(DecayCommand, PasskeyOnATinyModel) {
  REQUIRE_SHARED();
  const std::string model = rwkv::testing::SharedPath("models/tiny/tiny-rwkv-7v0-834K-FP32.bin");
  const std::string out = rwkv::testing::TempDir("cli-decay") + "/run";
  ShellResult r = RunCli("decay '" + model + "' --max-distance 100 --trials 2 --threads 1 --out '" +
                         out + "' --progress none");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  // Grid 16, 32, 64 cut at 100 and continued to 100.
  for (const char* part :
       {"distances up to 100 tokens, 2 trials", "distance", "accuracy", "answer log-prob",
        "half-life of the answer probability:", "effective length (accuracy >= 0.85):",
        "static decay profile (diagnostic)", "v7", "layer   0:"}) {
    EXPECT_NE(r.out.find(part), std::string::npos) << part << "\n" << r.out;
  }
  // One table row per distance: "        16", "        32", "        64", "       100".
  for (const char* row : {"\n        16 ", "\n        32 ", "\n        64 ", "\n       100 "}) {
    EXPECT_NE(r.out.find(row), std::string::npos) << row << "\n" << r.out;
  }
  std::ifstream in(out + "/results.json");
  ASSERT_TRUE(in);
  const nlohmann::json j = nlohmann::json::parse(in);
  ASSERT_EQ(j["tasks"].size(), 1u);
  const auto& task = j["tasks"][0];
  EXPECT_EQ(task["kind"], "recall");
  EXPECT_EQ(task["n_scored"], 8);
  std::set<std::string> metrics;
  for (const auto& m : task["metrics"]) metrics.insert(m["name"].get<std::string>());
  for (const char* m :
       {"accuracy", "accuracy@16", "accuracy@100", "answer_logprob", "distance_90pct",
        "distance_50pct", "answer_half_life", "effective_length"}) {
    EXPECT_TRUE(metrics.count(m)) << m;
  }
  std::ifstream samples(out + "/samples.jsonl");
  std::string line;
  std::set<std::string> ids;
  while (std::getline(samples, line)) {
    const auto rec = nlohmann::json::parse(line);
    ids.insert(rec["item"].get<std::string>());
    for (const char* v : {"correct", "answer_logprob", "distance", "target", "trial"}) {
      EXPECT_TRUE(rec["values"].contains(v)) << v << " in " << line;
    }
  }
  EXPECT_EQ(ids.size(), 8u);
  EXPECT_TRUE(ids.count("passkey-t1-d100"));
  EXPECT_TRUE(std::filesystem::exists(out + "/report.html"));
  EXPECT_TRUE(std::filesystem::exists(out + "/decay.csv"));
}

TEST(DecayCommand, RejectsAnUnknownProbe) {
  ShellResult r = RunCli("decay model.bin --probe passkee");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("--probe must be"), std::string::npos) << r.out;
}

}  // namespace
