// The runner end to end with an in-test model: scores, determinism, parallelism, resume after
// an interruption, sharding + merge, state forking, unsupported tasks and filters.
#include "rwkv/harness/runner.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "fake_adapter.h"
#include "rwkv/harness/merge.h"
#include "rwkv/harness/suite_loader.h"
#include "shared_data.h"
#include "test_files.h"

namespace rwkv::harness {
namespace {

using ::rwkv::testing::FakeAdapter;
using ::rwkv::testing::FakeLogprob;
using ::rwkv::testing::ReadFileBytes;
using ::rwkv::testing::TempDir;
using ::rwkv::testing::WriteTestFile;

constexpr const char* kSuite = R"(id: mini
tags: [all]
tasks:
  - name: gen
    tags: [g]
    template: "Q: {{question}}\nA:"
    target: "{{answer}}"
    few_shot: {count: 1, examples: [{question: "0+0", answer: "0"}]}
    extract:
      - {name: strict, steps: [strip]}
      - {name: flexible, steps: [last_number]}
    score: [exact]
    pass: {metric: "exact:flexible", min: 0.5}
    generator: {name: arithmetic, seed: 5, count: 12, params: {digits: 1}}
  - name: pick
    tags: [c]
    kind: choice
    description: "Pick one."
    template: "{{q}}"
    target: "{{a}}"
    choices: ["red", "green", "blue"]
    items: [{id: p1, q: "sky?", a: 2}, {id: p2, q: "grass?", a: 1}, {id: p3, q: "blood?", a: 0},
            {id: p4, q: "sea?", a: 2}]
  - name: cloze
    kind: loglikelihood
    template: "{{ctx}}"
    target: "{{word}}"
    items: [{ctx: "the cat", word: "sat"}, {ctx: "a dog", word: "ran"}, {ctx: "we", word: "go"}]
  - name: docs
    kind: perplexity
    items: [{text: "hello world"}, {text: "abc"}]
)";

struct Fixture {
  std::string dir;
  std::vector<Suite> suites;
};

Fixture MakeSuite(const std::string& tag) {
  Fixture f;
  f.dir = TempDir(tag);
  auto s = LoadSuite(WriteTestFile(f.dir, "mini.yaml", kSuite), {});
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  f.suites.push_back(std::move(*s));
  return f;
}

// Answers "a op b" questions correctly for even item numbers, wrongly for odd ones.
void AnswerHalf(FakeAdapter* m) {
  m->caps.loglikelihood = true;
  m->caps.rolling = true;
  m->answer = [](const adapters::GenerateRequest& r) -> std::string {
    const std::string q = r.prompt.substr(r.prompt.find("What is ") + 8);
    long a = 0, b = 0;
    char op = 0;
    std::sscanf(q.c_str(), "%ld %c %ld", &a, &op, &b);
    const long v = op == '+' ? a + b : op == '-' ? a - b : a * b;
    const int n = std::stoi(r.item_id.substr(r.item_id.rfind('-') + 1));
    return n % 2 == 0 ? " " + std::to_string(v) : "I think it is " + std::to_string(v + 1);
  };
}

RunOptions Options(const std::string& out, int jobs = 1) {
  RunOptions o;
  o.config.suites = {"mini.yaml"};
  o.config.model_spec = "fake";
  o.config.seed = 3;
  o.out_dir = out;
  o.jobs = jobs;
  return o;
}

TEST(Runner, ScoresEveryTaskKind) {
  Fixture f = MakeSuite("runner");
  FakeAdapter model;
  AnswerHalf(&model);
  auto r = RunSuites(f.suites, model, Options(f.dir + "/out"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->tasks.size(), 4u);
  const TaskResult& gen = r->tasks[0];
  EXPECT_EQ(gen.n_scored, 12);
  // strict: even items answer " v" → stripped "v" correct; odd items wrong → 6/12.
  EXPECT_DOUBLE_EQ(gen.Find("exact:strict")->value, 0.5);
  EXPECT_DOUBLE_EQ(gen.Find("exact:flexible")->value, 0.5);
  EXPECT_EQ(gen.Find("exact:strict")->interval, "wilson");
  EXPECT_NEAR(gen.Find("exact:strict")->ci_low, 0.2537816, 1e-6);  // Wilson(6, 12), python3
  ASSERT_TRUE(gen.passed.has_value());
  EXPECT_TRUE(*gen.passed);
  // The few-shot example and description form the prefix; the item is the prompt.
  const std::string sent = model.prompts["mini/gen/arithmetic-1"];
  EXPECT_EQ(sent.substr(0, sent.find('\x1f')), "Q: 0+0\nA: 0\n\n");
  EXPECT_EQ(sent.substr(sent.find('\x1f') + 1, 11), "Q: What is ");

  // choice: the option with the highest fake log-prob of "prefix+prompt|␠option" wins.
  const TaskResult& pick = r->tasks[1];
  const std::vector<std::pair<std::string, int>> items = {
      {"sky?", 2}, {"grass?", 1}, {"blood?", 0}, {"sea?", 2}};
  const std::vector<std::string> options = {"red", "green", "blue"};
  double acc = 0, acc_norm = 0;
  for (const auto& [q, answer] : items) {
    int best = 0, best_norm = 0;
    for (int k = 0; k < 3; ++k) {
      auto lp = [&](int i) { return FakeLogprob("Pick one.\n\n" + q + "| " + options[i]); };
      if (lp(k) > lp(best)) best = k;
      if (lp(k) / (options[k].size() + 1) > lp(best_norm) / (options[best_norm].size() + 1)) {
        best_norm = k;
      }
    }
    acc += best == answer;
    acc_norm += best_norm == answer;
  }
  EXPECT_DOUBLE_EQ(pick.Find("acc")->value, acc / 4);
  EXPECT_DOUBLE_EQ(pick.Find("acc_norm")->value, acc_norm / 4);

  // loglikelihood: continuation is " " + target; perplexity = exp(-mean logprob).
  const TaskResult& cloze = r->tasks[2];
  const double lps[3] = {FakeLogprob("the cat| sat"), FakeLogprob("a dog| ran"),
                         FakeLogprob("we| go")};
  const double mean = (lps[0] + lps[1] + lps[2]) / 3;
  EXPECT_NEAR(cloze.Find("logprob")->value, mean, 1e-12);
  EXPECT_NEAR(cloze.Find("perplexity")->value, std::exp(-mean), 1e-9);
  EXPECT_EQ(cloze.Find("perplexity")->interval, "bootstrap");
  EXPECT_DOUBLE_EQ(cloze.Find("acc")->value, ((lps[0] > -5) + (lps[1] > -5) + (lps[2] > -5)) / 3.0);

  // perplexity: the fake gives −0.5 per byte → token and byte perplexity e^0.5, 0.5/ln2 bits.
  const TaskResult& docs = r->tasks[3];
  EXPECT_NEAR(docs.Find("token_perplexity")->value, std::exp(0.5), 1e-12);
  EXPECT_NEAR(docs.Find("bits_per_byte")->value, 0.5 / std::log(2.0), 1e-12);

  // Both files exist; samples hold every item in plan order.
  auto samples = ReadSamples(f.dir + "/out/samples.jsonl");
  ASSERT_TRUE(samples.ok());
  ASSERT_EQ(samples->size(), 12u + 4 + 3 + 2);
  for (size_t i = 0; i < samples->size(); ++i) EXPECT_EQ((*samples)[i].index, (int64_t)i);
  EXPECT_EQ((*samples)[1].extracted.at("flexible"), (*samples)[1].target);  // even: right
  EXPECT_NE((*samples)[0].extracted.at("flexible"), (*samples)[0].target);  // odd: off by one
  auto read = ReadResults(f.dir + "/out/results.json");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(ToJson(*read), ToJson(*r));
}

TEST(Runner, SameSuiteModelAndSeedGiveByteIdenticalResultsSerialOrParallel) {
  Fixture f = MakeSuite("runner");
  FakeAdapter serial, parallel;
  AnswerHalf(&serial);
  AnswerHalf(&parallel);
  parallel.caps.max_parallel = 4;
  ASSERT_TRUE(RunSuites(f.suites, serial, Options(f.dir + "/a")).ok());
  ASSERT_TRUE(RunSuites(f.suites, parallel, Options(f.dir + "/b", 4)).ok());
  const std::string a = ReadFileBytes(f.dir + "/a/results.json");
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a, ReadFileBytes(f.dir + "/b/results.json"));
}

TEST(Runner, ResumeAfterInterruptionEqualsUninterruptedRun) {
  Fixture f = MakeSuite("runner");
  FakeAdapter whole;
  AnswerHalf(&whole);
  ASSERT_TRUE(RunSuites(f.suites, whole, Options(f.dir + "/whole")).ok());
  const int total_calls = whole.calls.load();

  // First attempt: the model fails from its 8th call on and raises the cancel flag.
  std::atomic<bool> cancel{false};
  FakeAdapter broken;
  AnswerHalf(&broken);
  broken.fail_after = 7;
  broken.cancel = &cancel;
  RunOptions first = Options(f.dir + "/resumed");
  first.cancel = &cancel;
  auto r1 = RunSuites(f.suites, broken, first);
  ASSERT_FALSE(r1.ok());
  EXPECT_HAS(r1.status().message(), "--resume");
  EXPECT_FALSE(std::filesystem::exists(f.dir + "/resumed/results.json"));
  // Simulate a kill in the middle of a journal write.
  {
    std::ofstream out(f.dir + "/resumed/samples.jsonl", std::ios::app);
    out << "{\"suite\": \"mini\", \"task\": \"ge";
  }
  // Without --resume the folder is refused.
  FakeAdapter again;
  AnswerHalf(&again);
  auto refused = RunSuites(f.suites, again, Options(f.dir + "/resumed"));
  ASSERT_FALSE(refused.ok());
  EXPECT_HAS(refused.status().message(), "already holds a run");
  // A different seed is another run.
  RunOptions other = Options(f.dir + "/resumed");
  other.resume = true;
  other.config.seed = 99;
  auto mismatch = RunSuites(f.suites, again, other);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_HAS(mismatch.status().message(), "different config");

  RunOptions second = Options(f.dir + "/resumed");
  second.resume = true;
  auto r2 = RunSuites(f.suites, again, second);
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
  // Only the unfinished items were computed: 7 finished before the failure.
  EXPECT_EQ(again.calls.load(), total_calls - 7);
  EXPECT_EQ(ReadFileBytes(f.dir + "/resumed/results.json"),
            ReadFileBytes(f.dir + "/whole/results.json"));
  auto a = ReadSamples(f.dir + "/whole/samples.jsonl");
  auto b = ReadSamples(f.dir + "/resumed/samples.jsonl");
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->size(), b->size());
  for (size_t i = 0; i < a->size(); ++i) {
    auto ja = ToJson((*a)[i]), jb = ToJson((*b)[i]);
    ja.erase("latency_ms");
    jb.erase("latency_ms");
    EXPECT_EQ(ja, jb) << "item " << i;
  }
}

TEST(Runner, ShardsMergeIntoTheUnshardedRun) {
  Fixture f = MakeSuite("runner");
  FakeAdapter whole;
  AnswerHalf(&whole);
  ASSERT_TRUE(RunSuites(f.suites, whole, Options(f.dir + "/whole")).ok());
  std::vector<std::string> dirs;
  size_t items = 0;
  for (int i = 0; i < 3; ++i) {
    FakeAdapter m;
    AnswerHalf(&m);
    RunOptions o = Options(f.dir + "/shard" + std::to_string(i));
    o.config.shard_index = i;
    o.config.shard_count = 3;
    auto r = RunSuites(f.suites, m, o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    for (const auto& t : r->tasks) items += t.n_scored;
    dirs.push_back(o.out_dir);
  }
  EXPECT_EQ(items, 21u);
  // Incomplete or repeated shard sets are refused.
  EXPECT_FALSE(MergeRuns({dirs[0], dirs[1]}, f.dir + "/bad").ok());
  EXPECT_FALSE(MergeRuns({dirs[0], dirs[0], dirs[1]}, f.dir + "/bad").ok());
  auto merged = MergeRuns({dirs[2], dirs[0], dirs[1]}, f.dir + "/merged");
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  auto expected = ReadResults(f.dir + "/whole/results.json");
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(ToJson(*merged)["tasks"], ToJson(*expected)["tasks"]);
  EXPECT_EQ(ToJson(*merged)["config"], ToJson(*expected)["config"]);
}

TEST(Runner, ChoiceOptionsAreScoredFromOneForkedState) {
  Fixture f = MakeSuite("runner");
  FakeAdapter plain, forking;
  AnswerHalf(&plain);
  AnswerHalf(&forking);
  forking.caps.state_fork = true;
  RunOptions o1 = Options(f.dir + "/plain"), o2 = Options(f.dir + "/fork");
  o1.config.tasks = o2.config.tasks = {"pick"};
  auto a = RunSuites(f.suites, plain, o1);
  auto b = RunSuites(f.suites, forking, o2);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(ToJson(*a)["tasks"], ToJson(*b)["tasks"]);
  EXPECT_EQ(forking.sessions_created.load(), 1);  // one shared prefix, forked per item
  EXPECT_EQ(forking.loglikelihood_calls.load(), 0);
  EXPECT_EQ(plain.loglikelihood_calls.load(), 12);
}

TEST(Runner, UnsupportedRequestsAreReportedNotScored) {
  Fixture f = MakeSuite("runner");
  FakeAdapter model;  // generate only
  RunOptions o = Options(f.dir + "/out");
  o.config.tasks = {"cloze"};
  auto r = RunSuites(f.suites, model, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_HAS(r->tasks[0].unsupported, "not supported by this model");
  EXPECT_EQ(r->tasks[0].n_errors, 3);
  EXPECT_EQ(r->tasks[0].n_scored, 0);
}

TEST(Runner, FiltersAndLimit) {
  Fixture f = MakeSuite("runner");
  RunConfig c;
  c.limit = 2;
  auto p = PlanRun(f.suites, c);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->items.size(), 8u);
  c = {};
  c.tags = {"c"};
  p = PlanRun(f.suites, c);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->items.size(), 4u);
  c = {};
  c.tasks = {"mini/cloze", "docs"};
  p = PlanRun(f.suites, c);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->items.size(), 5u);
  c = {};
  c.items = {"*/p*"};
  p = PlanRun(f.suites, c);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->items.size(), 4u);
  c = {};
  c.tasks = {"nope"};
  EXPECT_FALSE(PlanRun(f.suites, c).ok());
  c = {};
  c.shard_index = 3;
  c.shard_count = 3;
  EXPECT_FALSE(PlanRun(f.suites, c).ok());
  EXPECT_TRUE(GlobMatch("a*/x*z", "abc/xyz"));
  EXPECT_FALSE(GlobMatch("a*/x*z", "abc/xy"));
}

TEST(Runner, InvalidSuiteNeverStartsARun) {
  const std::string dir = TempDir("runner");
  auto s = LoadSuite(WriteTestFile(dir, "bad.yaml", "id: x\ntasks: [{name: t, kind: gen}]\n"), {});
  EXPECT_FALSE(s.ok());
  // The run command loads every suite before opening the model; a suite needing --data-dir
  // is refused at planning, before any request.
  auto lazy = LoadSuite(WriteTestFile(dir, "lazy.yaml",
                                      "id: x\ntasks:\n  - name: t\n    kind: perplexity\n"
                                      "    dataset: {path: d.jsonl, root: data_dir}\n"),
                        {});
  ASSERT_TRUE(lazy.ok());
  FakeAdapter model;
  std::vector<Suite> suites = {*lazy};
  auto r = RunSuites(suites, model, Options(dir + "/out"));
  ASSERT_FALSE(r.ok());
  EXPECT_HAS(r.status().message(), "--data-dir");
  EXPECT_EQ(model.calls.load(), 0);
}

}  // namespace
}  // namespace rwkv::harness
