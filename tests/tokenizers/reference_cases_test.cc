// Exact token ids against the official tokenizers' output (../shared/reference/tokenizers).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "rwkv/tokenizer.h"
#include "shared_data.h"

namespace rwkv {
namespace {

struct Case {
  std::string text;
  std::vector<int32_t> ids;
};

std::vector<Case> ReadCases(const std::string& path) {
  std::vector<Case> cases;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto j = nlohmann::json::parse(line);
    cases.push_back({j.at("text").get<std::string>(), j.at("ids").get<std::vector<int32_t>>()});
  }
  return cases;
}

void ExpectAllCases(const Tokenizer& tokenizer, const std::string& cases_path) {
  const std::vector<Case> cases = ReadCases(cases_path);
  ASSERT_GT(cases.size(), 300u) << cases_path;
  int wrong = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::vector<int32_t> ids = tokenizer.Encode(cases[i].text);
    if (ids != cases[i].ids && ++wrong <= 5) {
      ADD_FAILURE() << cases_path << ":" << i + 1 << ": ids differ for text '" << cases[i].text
                    << "' (" << ids.size() << " ids, expected " << cases[i].ids.size() << ")";
    }
    EXPECT_EQ(tokenizer.Decode(cases[i].ids), cases[i].text) << cases_path << ":" << i + 1;
  }
  EXPECT_EQ(wrong, 0) << "lines with wrong ids in " << cases_path;
}

TEST(WorldTokenizer, MatchesOfficialIdsOnEveryReferenceCase) {
  REQUIRE_SHARED();
  auto t = LoadWorldTokenizer(testing::SharedPath("tokenizers/rwkv_vocab_v20230424.txt"));
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ((*t)->vocab_size(), 65530);
  ExpectAllCases(**t, testing::SharedPath("reference/tokenizers/world-cases.jsonl"));
}

TEST(BpeTokenizer, MatchesHuggingFaceIdsOnEveryReferenceCase) {
  REQUIRE_SHARED();
  auto t = LoadBpeTokenizer(testing::SharedPath("tokenizers/20B_tokenizer.json"));
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ((*t)->vocab_size(), 50277);
  ExpectAllCases(**t, testing::SharedPath("reference/tokenizers/20b-cases.jsonl"));
}

}  // namespace
}  // namespace rwkv
