// The public comparison's answers (suites/transcripts/) scored through the replay adapter:
// GPT-3.5 Turbo's answers are right under the flexible extraction, RWKV's are wrong, and no
// answer passes the strict one (neither starts with the bare number).
#include <gtest/gtest.h>

#include "rwkv/adapters/replay_adapter.h"
#include "rwkv/harness/runner.h"
#include "rwkv/harness/suite_loader.h"
#include "shared_data.h"

namespace rwkv::harness {
namespace {

StatusOr<RunResults> RunTranscript(const std::string& file, const std::string& out) {
  auto suites = LoadSuites({"arithmetic", "patterns"}, {});
  if (!suites.ok()) return suites.status();
  auto model = adapters::OpenReplayModel(SuitesDir() + "/transcripts/" + file);
  if (!model.ok()) return model.status();
  RunOptions o;
  o.config.suites = {"arithmetic", "patterns"};
  o.config.model_spec = "replay:" + file;
  o.config.items = {"arithmetic/word_problems/nancy-becky-apples",
                    "patterns/number_rules/concat-29-49"};
  o.out_dir = out;
  return RunSuites(*suites, **model, o);
}

void ExpectScores(const RunResults& r, double flexible) {
  ASSERT_EQ(r.tasks.size(), 2u);  // only the tasks holding the two items
  for (const TaskResult& t : r.tasks) {
    EXPECT_EQ(t.n_scored, 1) << t.task;
    EXPECT_EQ(t.n_errors, 0) << t.task;
    EXPECT_EQ(t.Find("exact:flexible")->value, flexible) << t.task;
    EXPECT_EQ(t.Find("exact:strict")->value, 0.0) << t.task;
  }
}

TEST(Transcripts, Gpt35AnswersAreRightUnderFlexibleExtraction) {
  auto r = RunTranscript("gpt-3.5-turbo.jsonl", rwkv::testing::TempDir("tx") + "/out");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ExpectScores(*r, 1.0);
}

TEST(Transcripts, RwkvAnswersAreWrong) {
  auto r = RunTranscript("rwkv-raven.jsonl", rwkv::testing::TempDir("tx") + "/out");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ExpectScores(*r, 0.0);
}

}  // namespace
}  // namespace rwkv::harness
