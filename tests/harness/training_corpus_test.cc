// The training corpus: made from the bundled suites' generators in their prompt format, and
// never containing an evaluation item.
#include "rwkv/harness/training_corpus.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "rwkv/harness/suite_loader.h"

namespace rwkv::harness {
namespace {

std::vector<Suite> BundledReasoningSuites() {
  auto suites = LoadSuites({"arithmetic", "patterns", "code"}, {});
  EXPECT_TRUE(suites.ok()) << suites.status().ToString();
  return suites.ok() ? *suites : std::vector<Suite>{};
}

TEST(TrainingCorpus, NeverContainsAnEvaluationItem) {
  const std::vector<Suite> suites = BundledReasoningSuites();
  CorpusOptions o;
  o.total_bytes = 3u << 20;
  // Weight the small problem spaces up, so that collisions with the evaluation items certainly
  // occur and must be held out.
  o.weights = {{"arithmetic/add_1digit", 20}, {"arithmetic/sub_1digit", 20}};
  auto c = BuildTrainingCorpus(suites, o);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  // Only 100 one-digit sums exist and the suite evaluates 15 of them: they came up, and were
  // dropped.
  EXPECT_GT(c->held_out, 0);
  int checked = 0;
  for (const Suite& s : suites) {
    for (const Task& t : s.tasks) {
      if (t.generators.empty() || t.chat.enabled) continue;
      std::set<std::string> shots;  // the fixed few-shot examples are not evaluation items
      for (const Item& ex : t.few_shot.pool) shots.insert(ex.fields.at("question"));
      for (const Item& it : t.items) {
        if (shots.count(it.fields.at("question"))) continue;
        // The item as it would appear in the corpus: rendered prompt, answer, delimiter.
        std::string prompt = t.prompt_template;
        const std::string slot = "{{question}}";
        prompt.replace(prompt.find(slot), slot.size(), it.fields.at("question"));
        const std::string text = prompt + t.delimiters.before_target + it.fields.at("answer") +
                                 t.delimiters.between_examples;
        EXPECT_EQ(c->text.find(text), std::string::npos)
            << s.id << "/" << t.name << " item " << it.id << " is in the training corpus";
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 300);
}

TEST(TrainingCorpus, ItemsFollowTheSuitePromptFormat) {
  const std::vector<Suite> suites = BundledReasoningSuites();
  CorpusOptions o;
  o.total_bytes = 1u << 20;
  o.weights = {{"arithmetic/add_2digit", 1}, {kPasskeyEpisodes, 1}};
  o.default_weight = 0;
  auto c = BuildTrainingCorpus(suites, o);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->items.size(), 2u);
  EXPECT_GT(c->items["arithmetic/add_2digit"], 1000);
  EXPECT_GT(c->items[kPasskeyEpisodes], 100);

  // Every 2-digit sum is correct, in the arithmetic suite's format.
  const std::regex sum("Question: What is (\\d+) \\+ (\\d+)\\?\nAnswer: (\\d+)\n\n");
  int sums = 0;
  for (auto m = std::sregex_iterator(c->text.begin(), c->text.end(), sum);
       m != std::sregex_iterator(); ++m, ++sums) {
    const int a = std::stoi((*m)[1]), b = std::stoi((*m)[2]);
    EXPECT_EQ(std::stoi((*m)[3]), a + b) << m->str();
  }
  EXPECT_GT(sums, 1000);

  // Every passkey episode asks for the key it stated, and starts an episode.
  const std::regex key(
      "There is an important info hidden inside a lot of irrelevant text\\. Find it and memorize "
      "them\\. I will quiz you about the important information there\\. The pass key is "
      "(\\d{5})\\. Remember it\\. \\1 is the pass key\\.[A-Za-z .]* What is the pass key\\? The "
      "pass key is (\\d{5})\\.\n\n");
  int keys = 0;
  std::set<size_t> starts(c->starts.begin(), c->starts.end());
  for (auto m = std::sregex_iterator(c->text.begin(), c->text.end(), key);
       m != std::sregex_iterator(); ++m, ++keys) {
    EXPECT_EQ((*m)[1].str(), (*m)[2].str());
    EXPECT_TRUE(starts.count(static_cast<size_t>(m->position()))) << "offset " << m->position();
  }
  EXPECT_EQ(keys, c->items[kPasskeyEpisodes]);
  // Episodes are in order and cover the text from its start.
  ASSERT_FALSE(c->starts.empty());
  EXPECT_EQ(c->starts.front(), 0u);
  EXPECT_TRUE(std::is_sorted(c->starts.begin(), c->starts.end()));
}

TEST(TrainingCorpus, DeterministicForASeed) {
  const std::vector<Suite> suites = BundledReasoningSuites();
  CorpusOptions o;
  o.total_bytes = 200000;
  auto a = BuildTrainingCorpus(suites, o), b = BuildTrainingCorpus(suites, o);
  o.seed = 1;
  auto other = BuildTrainingCorpus(suites, o);
  ASSERT_TRUE(a.ok() && b.ok() && other.ok());
  EXPECT_EQ(a->text, b->text);
  EXPECT_EQ(a->starts, b->starts);
  EXPECT_NE(a->text, other->text);
}

TEST(TrainingCorpus, RejectsUnknownAndNegativeWeights) {
  const std::vector<Suite> suites = BundledReasoningSuites();
  CorpusOptions o;
  o.weights = {{"arithmetic/add_9digit", 1}};
  auto c = BuildTrainingCorpus(suites, o);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("add_9digit"), std::string::npos);
  EXPECT_NE(c.status().message().find("arithmetic/add_2digit"), std::string::npos);
  o.weights = {{"arithmetic/add_2digit", -1}};
  EXPECT_FALSE(BuildTrainingCorpus(suites, o).ok());
  o.weights = {};
  o.default_weight = 0;
  EXPECT_FALSE(BuildTrainingCorpus(suites, o).ok());
}

}  // namespace
}  // namespace rwkv::harness
