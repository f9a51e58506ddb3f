#include <gtest/gtest.h>

#include <fstream>

#include "rwkv/adapters/replay_adapter.h"
#include "shared_data.h"

namespace rwkv::adapters {
namespace {

std::string Write(const std::string& dir, const std::string& name, const std::string& text) {
  const std::string path = dir + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(ReplayAdapter, AnswersByIdThenByPrompt) {
  const std::string dir = testing::TempDir("replay");
  const std::string path = Write(dir, "a.jsonl",
                                 "{\"model\": \"gpt-3.5-turbo\"}\n"
                                 "{\"id\": \"s/t/1\", \"output\": \"zero\"}\n\n"
                                 "{\"prompt\": \"Q: 2+2?\\nA:\", \"output\": \" 4\"}\n");
  auto m = OpenModel("replay:" + path, {});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_NE((*m)->info().description.find("gpt-3.5-turbo"), std::string::npos);
  GenerateRequest by_id;
  by_id.item_id = "s/t/1";
  by_id.prompt = "anything";
  auto a = (*m)->Generate(by_id);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->text, "zero");
  GenerateRequest by_prompt;
  by_prompt.item_id = "s/t/2";
  by_prompt.prefix = "Q: 2+2?";
  by_prompt.prompt = "\nA:";
  auto b = (*m)->Generate(by_prompt);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->text, " 4");
  GenerateRequest missing;
  missing.item_id = "s/t/3";
  auto c = (*m)->Generate(missing);
  EXPECT_EQ(c.status().code(), StatusCode::kNotFound);
  EXPECT_EQ((*m)->Loglikelihood({}).status().code(), StatusCode::kUnsupported);
}

TEST(ReplayAdapter, YamlList) {
  const std::string dir = testing::TempDir("replay");
  const std::string path =
      Write(dir, "a.yaml", "model: rwkv\nanswers:\n  - id: x/y/1\n    output: Two apples.\n");
  auto m = OpenModel("replay:" + path, {});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  GenerateRequest r;
  r.item_id = "x/y/1";
  EXPECT_EQ((*m)->Generate(r)->text, "Two apples.");
}

TEST(ReplayAdapter, MalformedLineNamesFileAndLine) {
  const std::string dir = testing::TempDir("replay");
  const std::string path =
      Write(dir, "bad.jsonl", "{\"id\": \"a\", \"output\": \"x\"}\n{\"id\": \"b\", \"output\": \n");
  auto m = OpenModel("replay:" + path, {});
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("bad.jsonl:2"), std::string::npos) << m.status().message();
  const std::string dup = Write(
      dir, "dup.jsonl", "{\"id\": \"a\", \"output\": \"x\"}\n{\"id\": \"a\", \"output\": \"y\"}\n");
  auto d = OpenModel("replay:" + dup, {});
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("dup.jsonl:2"), std::string::npos);
  const std::string no_output = Write(dir, "no.jsonl", "{\"id\": \"a\"}\n");
  EXPECT_FALSE(OpenModel("replay:" + no_output, {}).ok());
}

}  // namespace
}  // namespace rwkv::adapters
