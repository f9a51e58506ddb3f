// Long pre-tokens take another merging path than short ones; check both against an independent
// textbook BPE (GPT-2's original loop: merge every occurrence of the best-ranked pair).
#include <gtest/gtest.h>

#include <climits>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "rwkv/tokenizer.h"
#include "shared_data.h"

namespace rwkv {
namespace {

// BPE of an ASCII word (ASCII letters and digits spell themselves in GPT-2's byte alphabet).
std::vector<int32_t> TextbookBpe(const nlohmann::json& model, const std::string& word) {
  std::map<std::pair<std::string, std::string>, int> rank;
  const auto& merges = model.at("merges");
  for (size_t i = 0; i < merges.size(); ++i) {
    const std::string m = merges[i].get<std::string>();
    const size_t space = m.find(' ');
    rank.emplace(std::make_pair(m.substr(0, space), m.substr(space + 1)), static_cast<int>(i));
  }
  std::vector<std::string> parts;
  for (char c : word) parts.emplace_back(1, c);
  while (parts.size() > 1) {
    int best = INT_MAX;
    std::pair<std::string, std::string> best_pair;
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      auto it = rank.find({parts[i], parts[i + 1]});
      if (it != rank.end() && it->second < best) best = it->second, best_pair = it->first;
    }
    if (best == INT_MAX) break;
    std::vector<std::string> merged;
    for (size_t i = 0; i < parts.size(); ++i) {
      if (i + 1 < parts.size() && parts[i] == best_pair.first && parts[i + 1] == best_pair.second) {
        merged.push_back(parts[i] + parts[i + 1]);
        ++i;
      } else {
        merged.push_back(parts[i]);
      }
    }
    parts = std::move(merged);
  }
  std::vector<int32_t> ids;
  for (const std::string& p : parts) ids.push_back(model.at("vocab").at(p).get<int32_t>());
  return ids;
}

TEST(BpeTokenizer, ShortAndLongWordsMatchTextbookBpe) {
  REQUIRE_SHARED();
  const std::string path = testing::SharedPath("tokenizers/20B_tokenizer.json");
  std::ifstream in(path);
  const nlohmann::json model = nlohmann::json::parse(in).at("model");
  auto t = LoadBpeTokenizer(path);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  std::string long_letters, long_digits;
  for (int i = 0; i < 12; ++i) long_letters += "Supercalifragilisticexpialidocious";
  for (int i = 0; i < 30; ++i) long_digits += std::to_string(i * 7919);
  for (const std::string& word :
       {std::string("hello"), std::string("antidisestablishmentarianism"), long_letters,
        long_letters.substr(0, 47), long_letters.substr(0, 48), long_letters.substr(0, 49),
        long_digits, std::string(300, 'a')}) {
    EXPECT_EQ((*t)->Encode(word), TextbookBpe(model, word)) << word.size() << " bytes: " << word;
  }
}

}  // namespace
}  // namespace rwkv
