// Suite loading: what valid suites become, and one test per class of error (every message
// names file:line:column and the field, and lists allowed values).
#include "rwkv/harness/suite_loader.h"

#include <gtest/gtest.h>

#include <set>

#include "rwkv/harness/prompt.h"
#include "shared_data.h"
#include "test_files.h"

namespace rwkv::harness {
namespace {

using ::rwkv::testing::TempDir;
using ::rwkv::testing::WriteTestFile;

StatusOr<Suite> LoadText(const std::string& dir, const std::string& yaml,
                         const LoadOptions& opts = {}) {
  return LoadSuite(WriteTestFile(dir, "suite.yaml", yaml), opts);
}

TEST(SuiteLoader, InlineItemsTemplatesAndDefaults) {
  const std::string dir = TempDir("loader");
  auto s = LoadText(dir, R"(id: demo
version: "2"
tags: [t1]
defaults:
  template: "Q: {{q}}\nA:"
  target: "{{a}}"
tasks:
  - name: one
    items:
      - {id: x, q: "1+1", a: "2", weight: 2}
      - {q: "2+2", a: "4"}
)");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->id, "demo");
  EXPECT_EQ(s->version, "2");
  ASSERT_EQ(s->tasks.size(), 1u);
  const Task& t = s->tasks[0];
  EXPECT_EQ(t.kind, TaskKind::kGenerate);
  ASSERT_EQ(t.items.size(), 2u);
  EXPECT_EQ(t.items[0].id, "x");
  EXPECT_EQ(t.items[0].weight, 2.0);
  EXPECT_EQ(t.items[1].id, "item-2");
  // Defaults for generate tasks: one "default" pipeline (strip), exact scorer.
  ASSERT_EQ(t.extract.size(), 1u);
  EXPECT_EQ(t.extract[0].name, "default");
  ASSERT_EQ(t.scorers.size(), 1u);
  EXPECT_EQ(t.scorers[0].type, "exact");
  auto p = BuildPrompt(t, t.items[0], 0);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->prefix, "");
  EXPECT_EQ(p->prompt, "Q: 1+1\nA:");
  EXPECT_EQ(s->files.size(), 1u);
  EXPECT_EQ(s->sha256.size(), 64u);
}

TEST(SuiteLoader, FewShotDescriptionAndDelimitersFormTheSharedPrefix) {
  const std::string dir = TempDir("loader");
  auto s = LoadText(dir, R"(id: demo
tasks:
  - name: t
    description: "Add."
    template: "{{q}} ="
    target: "{{a}}"
    few_shot: {count: 2}
    delimiters: {after_description: "\n", between_examples: "\n", before_target: " "}
    items:
      - {id: a, q: "1+1", a: "2"}
      - {id: b, q: "2+2", a: "4"}
      - {id: c, q: "3+3", a: "6"}
)");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  const Task& t = s->tasks[0];
  auto pc = BuildPrompt(t, t.items[2], 0);
  ASSERT_TRUE(pc.ok());
  EXPECT_EQ(pc->prefix, "Add.\n1+1 = 2\n2+2 = 4\n");
  EXPECT_EQ(pc->prompt, "3+3 =");
  // The item itself is never its own example.
  auto pa = BuildPrompt(t, t.items[0], 0);
  ASSERT_TRUE(pa.ok());
  EXPECT_EQ(pa->prefix, "Add.\n2+2 = 4\n3+3 = 6\n");
}

TEST(SuiteLoader, RandomFewShotDependsOnSeedOnly) {
  const std::string dir = TempDir("loader");
  std::string yaml =
      "id: demo\ntasks:\n  - name: t\n    template: \"{{q}}\"\n    target: \"{{a}}\"\n"
      "    few_shot: {count: 3, mode: random}\n    items:\n";
  for (int i = 0; i < 20; ++i) {
    yaml += "      - {id: i" + std::to_string(i) + ", q: q" + std::to_string(i) + ", a: a}\n";
  }
  auto s = LoadText(dir, yaml);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  const Task& t = s->tasks[0];
  auto a1 = BuildPrompt(t, t.items[5], 1), a2 = BuildPrompt(t, t.items[5], 1);
  std::set<std::string> distinct;
  for (uint64_t seed = 0; seed < 10; ++seed) {
    auto p = BuildPrompt(t, t.items[5], seed);
    ASSERT_EQ(p->example_ids.size(), 3u);
    for (const auto& id : p->example_ids) EXPECT_NE(id, "i5");
    distinct.insert(p->prefix);
  }
  EXPECT_EQ(a1->prefix, a2->prefix);
  EXPECT_GT(distinct.size(), 5u);
}

TEST(SuiteLoader, ChatFormAndChatOverride) {
  const std::string dir = TempDir("loader");
  auto s = LoadText(dir, R"(id: demo
defaults: {template: "{{q}}", target: "{{a}}", description: "Be brief."}
tasks:
  - name: chat
    chat: true
    few_shot: {count: 1}
    items: [{id: a, q: "hi", a: "hello"}, {id: b, q: "bye", a: "ciao"}]
  - name: custom
    chat: {user: "Q: {{content}}\n", assistant: "A: {{content}}\n", system: "[{{content}}]\n"}
    few_shot: {count: 1}
    items: [{id: a, q: "hi", a: "hello"}, {id: b, q: "bye", a: "ciao"}]
)");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto chat = BuildPrompt(s->tasks[0], s->tasks[0].items[1], 0);
  ASSERT_EQ(chat->messages.size(), 4u);
  EXPECT_EQ(chat->messages[0].role, "system");
  EXPECT_EQ(chat->messages[0].content, "Be brief.");
  EXPECT_EQ(chat->messages[1].content, "hi");
  EXPECT_EQ(chat->messages[2].role, "assistant");
  EXPECT_EQ(chat->messages[2].content, "hello");
  EXPECT_EQ(chat->messages[3].content, "bye");
  auto custom = BuildPrompt(s->tasks[1], s->tasks[1].items[1], 0);
  EXPECT_TRUE(custom->messages.empty());
  EXPECT_EQ(custom->prefix, "[Be brief.]\nQ: hi\nA: hello\n");
  EXPECT_EQ(custom->prompt, "Q: bye\nA:");
}

TEST(SuiteLoader, IncludeMergesDefaultsNearestFirst) {
  const std::string dir = TempDir("loader");
  WriteTestFile(dir, "base.yaml",
                "defaults:\n  template: \"base {{q}}\"\n  target: \"{{a}}\"\n"
                "  generation: {max_tokens: 7}\n");
  auto s = LoadText(dir, R"(id: demo
include: base.yaml
defaults: {template: "own {{q}}"}
tasks:
  - name: t
    items: [{q: x, a: y}]
)");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->tasks[0].prompt_template, "own {{q}}");
  EXPECT_EQ(s->tasks[0].generation.max_tokens, 7);
  EXPECT_EQ(s->files.size(), 2u);
}

TEST(SuiteLoader, DatasetsJsonlAndCsvWithFieldMapping) {
  const std::string dir = TempDir("loader");
  WriteTestFile(dir, "d.jsonl",
                "{\"text\": \"the cat sat\", \"n\": 3}\n\n{\"text\": \"a b\", \"n\": 1}\n");
  WriteTestFile(dir, "d.csv", "question,answer\n\"1,000 + 1\",1001\n\"say \"\"hi\"\"\nnow\",hi\n");
  auto s = LoadText(dir, R"(id: demo
tasks:
  - name: j
    kind: loglikelihood
    template: "{{ctx}}"
    target: "{{last}}"
    dataset: {path: d.jsonl, fields: {ctx: "text | all_but_last_word", last: "text | last_word"}}
  - name: c
    template: "{{question}}"
    target: "{{answer}}"
    dataset: {path: d.csv}
)");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  const Task& j = s->tasks[0];
  ASSERT_EQ(j.items.size(), 2u);
  EXPECT_EQ(j.items[0].fields.at("ctx"), "the cat");
  EXPECT_EQ(j.items[0].fields.at("last"), "sat");
  EXPECT_EQ(j.items[0].fields.at("n"), "3");
  EXPECT_EQ(j.items[0].id, "0");
  EXPECT_EQ(j.items[1].origin, dir + "/d.jsonl:3");
  const Task& c = s->tasks[1];
  ASSERT_EQ(c.items.size(), 2u);
  EXPECT_EQ(c.items[0].fields.at("question"), "1,000 + 1");
  EXPECT_EQ(c.items[1].fields.at("question"), "say \"hi\"\nnow");
  EXPECT_EQ(c.items[1].fields.at("answer"), "hi");
  EXPECT_EQ(s->files.size(), 3u);
}

TEST(SuiteLoader, DataDirDatasetsWaitForDataDir) {
  const std::string dir = TempDir("loader");
  const std::string yaml = R"(id: demo
tasks:
  - name: t
    kind: perplexity
    dataset: {path: docs.jsonl, root: data_dir}
)";
  auto without = LoadText(dir, yaml);
  ASSERT_TRUE(without.ok()) << without.status().ToString();
  EXPECT_HAS(without->tasks[0].missing_data, "--data-dir");
  const std::string data = TempDir("loader-data");
  WriteTestFile(data, "docs.jsonl", "{\"text\": \"hello\"}\n");
  LoadOptions opts;
  opts.data_dir = data;
  auto with = LoadText(dir, yaml, opts);
  ASSERT_TRUE(with.ok()) << with.status().ToString();
  EXPECT_EQ(with->tasks[0].items.size(), 1u);
  EXPECT_TRUE(with->tasks[0].missing_data.empty());
}

// ---- one test per class of error ----

void ExpectError(const StatusOr<Suite>& s, const std::vector<std::string>& parts) {
  ASSERT_FALSE(s.ok()) << "the suite should have been rejected";
  for (const std::string& p : parts) EXPECT_HAS(s.status().message(), p);
}

TEST(SuiteErrors, UnknownFieldSuggestsClosestAndListsAllowed) {
  const std::string dir = TempDir("errors");
  auto s = LoadText(dir,
                    "id: demo\ntasks:\n  - name: t\n    templat: \"{{q}}\"\n    target: x\n"
                    "    items: [{q: a}]\n");
  ExpectError(s, {dir + "/suite.yaml:4:5", "unknown task field 'templat'",
                  "did you mean 'template'", "allowed: name, kind"});
  auto top = LoadText(dir, "id: demo\ntask: []\n");
  ExpectError(top, {"suite.yaml:2:1", "unknown suite field 'task'", "did you mean 'tasks'"});
}

TEST(SuiteErrors, BadEnumValueListsAllowedValues) {
  const std::string dir = TempDir("errors");
  auto s = LoadText(dir,
                    "id: demo\ntasks:\n  - name: t\n    kind: generation\n"
                    "    template: x\n    target: y\n    items: [{q: a}]\n");
  ExpectError(s,
              {"suite.yaml:4:11", "field 'kind'", "unknown value 'generation'",
               "did you mean 'generate'", "allowed: generate, choice, loglikelihood, perplexity"});
}

TEST(SuiteErrors, WrongTypeNamesTheField) {
  const std::string dir = TempDir("errors");
  auto s = LoadText(dir,
                    "id: demo\ntasks:\n  - name: t\n    template: x\n    target: y\n"
                    "    generation: {max_tokens: many}\n    items: [{q: a}]\n");
  ExpectError(s, {"suite.yaml:6:30", "field 'max_tokens'", "expected an integer"});
}

TEST(SuiteErrors, YamlSyntaxErrorNamesPosition) {
  const std::string dir = TempDir("errors");
  auto s = LoadText(dir, "id: demo\ntasks:\n  - name: [unclosed\n");
  ExpectError(s, {"suite.yaml:", "YAML syntax"});
}

TEST(SuiteErrors, MissingRequiredFields) {
  const std::string dir = TempDir("errors");
  ExpectError(LoadText(dir, "tasks: []\n"), {"suite.yaml:1:1", "field 'id'"});
  ExpectError(LoadText(dir, "id: d\ntasks:\n  - name: t\n    template: x\n    target: y\n"),
              {"suite.yaml:3:5", "field 'items'", "'items', 'dataset' or 'generator'"});
  ExpectError(LoadText(dir, "id: d\ntasks:\n  - name: t\n    template: x\n    items: [{q: a}]\n"),
              {"suite.yaml:3:5", "field 'target'"});
}

TEST(SuiteErrors, UnknownTemplateVariableNamesTheItem) {
  const std::string dir = TempDir("errors");
  auto s = LoadText(dir,
                    "id: d\ntasks:\n  - name: t\n    template: \"{{question}}\"\n"
                    "    target: \"{{a}}\"\n    items:\n      - {id: first, q: x, a: y}\n");
  ExpectError(
      s, {"suite.yaml:7:9", "item 'first'", "field 'template'", "{{question}}", "fields: a, q"});
}

TEST(SuiteErrors, BrokenDatasetLineNamesItsLineNumber) {
  const std::string dir = TempDir("errors");
  WriteTestFile(dir, "bad.jsonl", "{\"text\": \"ok\"}\n{\"text\": \"ok\"}\n{\"text\": oops}\n");
  auto s = LoadText(dir,
                    "id: d\ntasks:\n  - name: t\n    kind: perplexity\n"
                    "    dataset: {path: bad.jsonl}\n");
  ExpectError(s, {"suite.yaml:5:14", "bad.jsonl:3", "not valid JSON"});
  WriteTestFile(dir, "bad.csv", "a,b\n1,2\n3\n");
  auto c = LoadText(dir,
                    "id: d\ntasks:\n  - name: t\n    kind: perplexity\n    template: \"{{a}}\"\n"
                    "    dataset: {path: bad.csv}\n");
  ExpectError(c, {"bad.csv:3", "1 fields, the header has 2"});
  WriteTestFile(dir, "short.jsonl", "{\"text\": \"a b\"}\n{\"other\": 1}\n");
  auto m = LoadText(dir,
                    "id: d\ntasks:\n  - name: t\n    kind: perplexity\n    template: \"{{x}}\"\n"
                    "    dataset: {path: short.jsonl, fields: {x: text}}\n");
  ExpectError(m, {"short.jsonl:2", "no field 'text'"});
}

TEST(SuiteErrors, UnknownGeneratorAndParameter) {
  const std::string dir = TempDir("errors");
  ExpectError(
      LoadText(dir,
               "id: d\ntasks:\n  - name: t\n    template: x\n    target: y\n"
               "    generator: {name: arithmetc}\n"),
      {"suite.yaml:6:23", "did you mean 'arithmetic'", "allowed: arithmetic, word_problem"});
  ExpectError(LoadText(dir,
                       "id: d\ntasks:\n  - name: t\n    template: x\n    target: y\n"
                       "    generator: {name: arithmetic, params: {digit: 2}}\n"),
              {"suite.yaml:6:44", "unknown generator 'arithmetic' params field 'digit'",
               "did you mean 'digits'"});
  ExpectError(LoadText(dir,
                       "id: d\ntasks:\n  - name: t\n    template: x\n    target: y\n"
                       "    generator: {name: arithmetic, params: {digits: 9}}\n"),
              {"suite.yaml:6:16", "parameter 'digits'", "allowed: 1..6"});
}

TEST(SuiteErrors, BadExtractionAndScorer) {
  const std::string dir = TempDir("errors");
  ExpectError(LoadText(dir,
                       "id: d\ntasks:\n  - name: t\n    template: x\n    target: y\n"
                       "    items: [{q: a}]\n    extract: [{name: s, steps: [strp]}]\n"),
              {"suite.yaml:7:33", "unknown value 'strp'", "did you mean 'strip'"});
  ExpectError(LoadText(dir,
                       "id: d\ntasks:\n  - name: t\n    template: x\n    target: y\n"
                       "    items: [{q: a}]\n    extract: [{name: s, steps: [{regex: '(a'}]}]\n"),
              {"suite.yaml:7:33", "invalid regex"});
  ExpectError(LoadText(dir,
                       "id: d\ntasks:\n  - name: t\n    template: x\n    target: y\n"
                       "    items: [{q: a}]\n    score: [exakt]\n"),
              {"suite.yaml:7:13", "did you mean 'exact'", "allowed: exact, contains"});
  ExpectError(LoadText(dir,
                       "id: d\ntasks:\n  - name: t\n    template: x\n    target: y\n"
                       "    items: [{q: a}]\n    pass: {metric: acc, min: 0.5}\n"),
              {"unknown metric 'acc'", "this task reports: exact:default"});
}

TEST(SuiteErrors, DuplicateIdsAndIncludeCycles) {
  const std::string dir = TempDir("errors");
  ExpectError(LoadText(dir,
                       "id: d\ntasks:\n  - name: t\n    template: x\n    target: y\n"
                       "    items: [{id: a}, {id: a}]\n"),
              {"suite.yaml:6:22", "item id 'a' is used twice"});
  WriteTestFile(dir, "loop.yaml", "include: suite.yaml\n");
  ExpectError(
      LoadText(
          dir,
          "id: d\ninclude: loop.yaml\ntasks: [{name: t, template: x, target: y, items: [{}]}]\n"),
      {"field 'include'", "includes itself"});
}

TEST(SuiteErrors, ChoiceTargetOutOfRange) {
  const std::string dir = TempDir("errors");
  ExpectError(LoadText(dir,
                       "id: d\ntasks:\n  - name: t\n    kind: choice\n    template: x\n"
                       "    target: \"{{a}}\"\n    choices: [yes, no]\n    items: [{a: 2}]\n"),
              {"field 'target'", "not an option index 0..1"});
}

}  // namespace
}  // namespace rwkv::harness
