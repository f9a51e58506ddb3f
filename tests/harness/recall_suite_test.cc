// Suite kind `recall`: loading and validation, running through the runner (records, metrics,
// resume without redoing finished trials), bundled suites under suites/recall/.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "fake_adapter.h"
#include "rwkv/adapters/builtin_adapter.h"
#include "rwkv/harness/runner.h"
#include "rwkv/harness/stats.h"
#include "rwkv/harness/suite_loader.h"
#include "rwkv/harness/task_metrics.h"
#include "shared_data.h"
#include "test_files.h"

namespace rwkv::harness {
namespace {

using ::rwkv::testing::ReadFileBytes;
using ::rwkv::testing::TempDir;
using ::rwkv::testing::WriteTestFile;

constexpr const char* kSuite = R"(id: mem
tasks:
  - name: passkey
    kind: recall
    tags: [memory]
    recall:
      probe: passkey
      distances: [8, 40, 120]
      trials: 3
      seed: 7
  - name: needle
    kind: recall
    recall:
      probe: needle
      lengths: [40, 90]
      depths: [0, 0.5]
      trials: 1
      filler_file: filler.txt
  - name: loss
    kind: recall
    recall: {probe: position_loss, text_file: filler.txt, documents: 2, document_bytes: 100}
)";

constexpr const char* kFiller =
    "Rivers run to the sea. Mountains stand still.\nBirds fly south in winter! Do fish sleep? "
    "The moon pulls the tides. Stars are far away. Clouds bring rain. Snow covers the hills. "
    "Wind moves the leaves. The old road winds through the valley.";

StatusOr<Suite> Load(const std::string& dir, const std::string& yaml) {
  WriteTestFile(dir, "filler.txt", kFiller);
  return LoadSuite(WriteTestFile(dir, "mem.yaml", yaml), {});
}

TEST(RecallSuite, ItemsAreCheckpointsWithStableIds) {
  const std::string dir = TempDir("recall-suite");
  auto s = Load(dir, kSuite);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  const Task& pk = s->tasks[0];
  EXPECT_EQ(pk.kind, TaskKind::kRecall);
  ASSERT_EQ(pk.items.size(), 9u);
  EXPECT_EQ(pk.items[0].id, "passkey-t0-d8");
  EXPECT_EQ(pk.items[5].id, "passkey-t1-d120");
  EXPECT_EQ(pk.items[5].fields.at("unit"), "t1");
  const Task& needle = s->tasks[1];
  ASSERT_EQ(needle.items.size(), 4u);
  EXPECT_EQ(needle.items[0].id, "needle-t0-L40-p0");
  EXPECT_EQ(needle.items[3].id, "needle-t0-L90-p50");
  ASSERT_TRUE(needle.recall);
  EXPECT_EQ(needle.recall->spec.filler.size(), 10u);  // sentences of filler.txt
  EXPECT_EQ(needle.recall->spec.filler[2], "Birds fly south in winter!");
  const Task& loss = s->tasks[2];
  ASSERT_TRUE(loss.recall);
  ASSERT_EQ(loss.recall->documents.size(), 2u);
  EXPECT_GE(loss.recall->documents[0].size(), 100u);
  EXPECT_EQ(loss.items[0].id, "doc0-p0");
  EXPECT_EQ(loss.items[1].id, "doc0-p2");
  // The filler file is part of the suite's fingerprint (once, though two tasks read it).
  ASSERT_EQ(s->files.size(), 2u);
  EXPECT_EQ(std::filesystem::path(s->files[1].first).filename(), "filler.txt");

  std::vector<std::string> names;
  for (const MetricDef& m : TaskMetrics(pk)) names.push_back(m.name);
  const std::vector<std::string> expected = {
      "accuracy",       "accuracy@8",     "accuracy@40",      "accuracy@120",    "answer_logprob",
      "distance_90pct", "distance_50pct", "answer_half_life", "effective_length"};
  EXPECT_EQ(names, expected);
}

TEST(RecallSuite, BadBlocksNameFileLineAndField) {
  const std::string dir = TempDir("recall-suite-bad");
  const std::string head = "id: bad\ntasks:\n  - name: t\n    kind: recall\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"    recall: {probe: passkey, distance: [1, 2]}\n", "mem.yaml:5:"},
      {"    recall: {probe: passkey, distance: [1, 2]}\n", "did you mean 'distances'"},
      {"    recall:\n      probe: passkey\n      distances: [16, 64, 32]\n",
       "mem.yaml:7:27: field 'distances': must be increasing: 32 after 64"},
      {"    recall: {probe: passkey, lengths: [10]}\n", "does not apply to probe passkey"},
      {"    recall: {probe: needle, depths: [0, 50]}\n", "fraction of the haystack"},
      {"    recall: {probe: pasky}\n", "did you mean 'passkey'"},
      {"    recall: {probe: passkey, trials: 0}\n", "field 'trials'"},
      {"    recall: {probe: position_loss}\n", "exactly one of text_file, data_file"},
      {"    recall: {probe: passkey, filler_file: nowhere.txt}\n", "cannot open"},
      {"    template: \"{{x}}\"\n    recall: {probe: passkey}\n",
       "'template': does not apply to a recall task"},
      {"    pass: {metric: acc, min: 0.5}\n    recall: {probe: passkey}\n",
       "this task reports: accuracy"},
      {"    tags: [x]\n", "needs a 'recall:' block"},
  };
  for (const auto& [body, message] : cases) {
    SCOPED_TRACE(body);
    auto s = Load(dir, head + body);
    ASSERT_FALSE(s.ok());
    EXPECT_HAS(s.status().message(), message);
  }
}

std::unique_ptr<adapters::ModelAdapter> Tiny() {
  auto m = adapters::OpenBuiltinModel(
      testing::SharedPath("models/tiny/tiny-rwkv-7v0-834K-FP32.bin"), {});
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return m.ok() ? std::move(*m) : nullptr;
}

// Counts the sessions (one per trial, needle cell or document) a run opens.
class CountingAdapter : public adapters::ModelAdapter {
 public:
  explicit CountingAdapter(adapters::ModelAdapter& m) : m_(m) {}
  const adapters::ModelInfo& info() const override { return m_.info(); }
  adapters::Capabilities capabilities() const override { return m_.capabilities(); }
  StatusOr<adapters::GenerateResult> Generate(const adapters::GenerateRequest& r) override {
    return m_.Generate(r);
  }
  StatusOr<adapters::LoglikelihoodResult> LoglikelihoodRolling(const std::string& id,
                                                               const std::string& t) override {
    ++rolling;
    return m_.LoglikelihoodRolling(id, t);
  }
  StatusOr<std::unique_ptr<adapters::Session>> NewSession() override {
    ++sessions;
    return m_.NewSession();
  }
  std::atomic<int> sessions{0}, rolling{0};

 private:
  adapters::ModelAdapter& m_;
};

RunOptions Options(const std::string& out) {
  RunOptions o;
  o.config.suites = {"mem.yaml"};
  o.config.model_spec = "tiny";
  o.config.seed = 1;
  o.out_dir = out;
  return o;
}

TEST(RecallSuite, RunnerWritesOneRecordPerCheckpointAndTheSummaries) {
  REQUIRE_SHARED();
  const std::string dir = TempDir("recall-run");
  auto s = Load(dir, kSuite);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto model = Tiny();
  ASSERT_TRUE(model);
  CountingAdapter counting(*model);
  auto r = RunSuites({*s}, counting, Options(dir + "/out"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(counting.sessions.load(), 3 + 4);  // 3 passkey trials, 4 needle cells
  EXPECT_EQ(counting.rolling.load(), 2);       // 2 documents

  auto recs = ReadSamples(dir + "/out/samples.jsonl");
  ASSERT_TRUE(recs.ok());
  ASSERT_EQ(recs->size(), 9u + 4u + s->tasks[2].items.size());
  // The same checkpoints straight from the probe (all trials in one call).
  RecallSpec spec = s->tasks[0].recall->spec;
  auto direct = RunRecall(*model, spec, {});
  ASSERT_TRUE(direct.ok());
  int correct = 0;
  double logprob_sum = 0;
  for (size_t i = 0; i < 9; ++i) {
    const ItemRecord& rec = (*recs)[i];
    const RecallResult& d = (*direct)[i];
    SCOPED_TRACE(rec.item);
    EXPECT_EQ(rec.kind, "recall");
    EXPECT_EQ(rec.item, "passkey-t" + std::to_string(d.trial) + "-d" + std::to_string(d.target));
    EXPECT_EQ(rec.values.at("correct"), d.correct ? 1.0 : 0.0);
    EXPECT_EQ(rec.values.at("distance"), static_cast<double>(d.distance));
    EXPECT_EQ(rec.values.at("target"), static_cast<double>(d.target));
    EXPECT_EQ(rec.values.at("trial"), d.trial);
    EXPECT_NEAR(rec.values.at("answer_logprob"), d.answer_logprob, 1e-9);
    EXPECT_EQ(rec.values.at("at@" + std::to_string(d.target)), 1.0);
    EXPECT_EQ(rec.target, d.answer);
    EXPECT_EQ(rec.output, d.output);
    correct += d.correct;
    logprob_sum += d.answer_logprob;
  }
  for (size_t i = 9; i < 13; ++i) {
    EXPECT_EQ((*recs)[i].kind, "recall");
    EXPECT_EQ((*recs)[i].values.count("depth"), 1u);
    EXPECT_EQ((*recs)[i].values.count("length"), 1u);
  }
  double tokens = 0;
  for (size_t i = 13; i < recs->size(); ++i) {
    const ItemRecord& rec = (*recs)[i];
    EXPECT_EQ(rec.kind, "position_loss");
    for (const char* k : {"start", "end", "tokens", "mean_nll"}) EXPECT_EQ(rec.values.count(k), 1u);
    tokens += rec.values.at("tokens");
  }
  // Byte-level model: every byte of both documents is a scored token.
  EXPECT_EQ(tokens, static_cast<double>(s->tasks[2].recall->documents[0].size() +
                                        s->tasks[2].recall->documents[1].size()));

  const TaskResult& t = r->tasks[0];
  EXPECT_EQ(t.kind, "recall");
  EXPECT_EQ(r->tasks[2].kind, "position_loss");
  const MetricResult* acc = t.Find("accuracy");
  ASSERT_TRUE(acc);
  EXPECT_DOUBLE_EQ(acc->value, correct / 9.0);
  // 9 checkpoints of 3 trials are not 9 independent outcomes: trials are resampled.
  EXPECT_EQ(acc->interval, "bootstrap");
  const MetricResult* at40 = t.Find("accuracy@40");
  ASSERT_TRUE(at40);
  int correct40 = 0;
  for (const RecallResult& d : *direct) correct40 += d.target == 40 && d.correct;
  EXPECT_DOUBLE_EQ(at40->value, correct40 / 3.0);
  EXPECT_EQ(at40->interval, "wilson");
  // 3 trials: Wilson interval for correct40 of 3.
  const Interval w = WilsonInterval(correct40, 3);
  EXPECT_DOUBLE_EQ(at40->ci_low, w.low);
  EXPECT_DOUBLE_EQ(at40->ci_high, w.high);
  const MetricResult* lp = t.Find("answer_logprob");
  ASSERT_TRUE(lp);
  EXPECT_NEAR(lp->value, logprob_sum / 9, 1e-9);
  EXPECT_EQ(lp->interval, "bootstrap");
  for (const char* name : {"distance_90pct", "answer_half_life", "effective_length"}) {
    EXPECT_TRUE(t.Find(name)) << name;
  }
  // results.json reads back (summaries that were not reached are null).
  EXPECT_TRUE(ReadResults(dir + "/out/results.json").ok());
}

TEST(RecallSuite, ResumeRunsOnlyTheUnfinishedTrials) {
  REQUIRE_SHARED();
  const std::string dir = TempDir("recall-resume");
  const std::string yaml =
      "id: mem\ntasks:\n  - name: passkey\n    kind: recall\n    recall: {probe: passkey, "
      "distances: [8, 40, 120], trials: 3}\n";
  auto s = Load(dir, yaml);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto model = Tiny();
  ASSERT_TRUE(model);
  ASSERT_TRUE(RunSuites({*s}, *model, Options(dir + "/whole")).ok());
  // An interrupted run: trial 0 finished, trial 1 only up to distance 40, trial 2 not started.
  std::filesystem::create_directories(dir + "/resumed");
  {
    std::ofstream out(dir + "/resumed/samples.jsonl");
    std::ifstream in(dir + "/whole/samples.jsonl");
    std::string line;
    for (int i = 0; i < 5 && std::getline(in, line); ++i) out << line << "\n";
  }
  std::filesystem::copy_file(dir + "/whole/run.json", dir + "/resumed/run.json");
  CountingAdapter counting(*model);
  RunOptions o = Options(dir + "/resumed");
  o.resume = true;
  auto r = RunSuites({*s}, counting, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(counting.sessions.load(), 2);  // trials 1 and 2, never trial 0 again
  EXPECT_EQ(ReadFileBytes(dir + "/resumed/results.json"),
            ReadFileBytes(dir + "/whole/results.json"));
}

// A model without state or log-probabilities (as remote ones may be): whole prompts, accuracy
// only; the log-prob summaries are "not reached" (null in results.json).
TEST(RecallSuite, ModelsWithoutStateGetWholePrompts) {
  const std::string dir = TempDir("recall-remote");
  const std::string yaml =
      "id: mem\ntasks:\n  - name: passkey\n    kind: recall\n    recall: {probe: passkey, "
      "distances: [8, 40], trials: 2}\n";
  auto s = Load(dir, yaml);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  testing::FakeAdapter remote;  // no sessions, no log-likelihood
  // Knows the key while the prompt is short, forgets it later.
  remote.answer = [](const adapters::GenerateRequest& r) -> std::string {
    const size_t at = r.prompt.find("The pass key is ");
    const std::string key = r.prompt.substr(at + 16, 5);
    return r.prompt.size() < 300 ? " " + key + "." : " 00000.";
  };
  auto r = RunSuites({*s}, remote, Options(dir + "/out"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(remote.calls.load(), 4);  // one generation per checkpoint
  for (const auto& [id, prompt] : remote.prompts) {
    EXPECT_HAS(prompt, "What is the pass key? The pass key is");
  }
  const TaskResult& t = r->tasks[0];
  EXPECT_DOUBLE_EQ(t.Find("accuracy@8")->value, 1.0);
  EXPECT_DOUBLE_EQ(t.Find("accuracy@40")->value, 0.0);
  EXPECT_TRUE(std::isnan(t.Find("answer_logprob")->value));
  EXPECT_TRUE(std::isnan(t.Find("answer_half_life")->value));
  EXPECT_EQ(t.Find("effective_length")->value, 8);
  auto back = ReadResults(dir + "/out/results.json");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(std::isnan(back->tasks[0].Find("answer_logprob")->value));
}

TEST(RecallSuite, BundledRecallSuitesResolveByName) {
  EXPECT_EQ(ResolveSuitePath("recall/passkey"), SuitesDir() + "/recall/passkey.yaml");
  EXPECT_EQ(ResolveSuitePath("lambada"), SuitesDir() + "/lambada.yaml");
  EXPECT_EQ(ResolveSuitePath("some/dir/x.yaml"), "some/dir/x.yaml");
  EXPECT_EQ(ResolveSuitePath("no/such/suite"), "no/such/suite");
  const auto all = BundledSuites();
  for (const char* name : {"passkey", "needle", "multikey", "variable_tracking", "position_loss"}) {
    const std::string path = SuitesDir() + "/recall/" + name + ".yaml";
    EXPECT_NE(std::find(all.begin(), all.end(), path), all.end()) << path;
  }
  for (const std::string& p : all) EXPECT_EQ(p.find("/common/"), std::string::npos) << p;
  auto pk = LoadSuite(ResolveSuitePath("recall/passkey"), {});
  ASSERT_TRUE(pk.ok()) << pk.status().ToString();
  EXPECT_EQ(pk->tasks[0].recall->spec.distances.back(), 4096);
  // position_loss reads LAMBADA from --data-dir.
  auto loss = LoadSuite(ResolveSuitePath("recall/position_loss"), {});
  ASSERT_TRUE(loss.ok()) << loss.status().ToString();
  EXPECT_HAS(loss->tasks[0].missing_data, "--data-dir");
}

}  // namespace
}  // namespace rwkv::harness
