// `rwkv-eval tokenize` and `rwkv-eval detokenize`, run as a user runs them.
#include <gtest/gtest.h>

#include <fstream>

#include "run_shell.h"
#include "shared_data.h"

namespace {

using rwkv::testing::ShellResult;

// Runs rwkv-eval with `args`; stdout and stderr together.
ShellResult RunCli(const std::string& args) {
  return rwkv::testing::RunShell("RWKV_EVAL_TOKENIZER_DIR='" +
                                 rwkv::testing::SharedPath("tokenizers") +
                                 "' '" RWKV_EVAL_BINARY "' " + args + " 2>&1");
}

TEST(TokenizeCommand, PrintsReferenceIdsAsJson) {
  REQUIRE_SHARED();
  // First lines of reference/tokenizers/world-cases.jsonl and 20b-cases.jsonl.
  ShellResult world = RunCli("tokenize --tokenizer world --text '!himwill'");
  EXPECT_EQ(world.exit_code, 0) << world.out;
  EXPECT_EQ(world.out, "[34, 7696, 27486]\n");
  ShellResult pile = RunCli("tokenize --tokenizer 20b --text '!himwill'");
  EXPECT_EQ(pile.exit_code, 0) << pile.out;
  EXPECT_EQ(pile.out, "[2, 13243, 9846]\n");
}

TEST(TokenizeCommand, TextFileAndDetokenizeRoundTrip) {
  const std::string dir = rwkv::testing::TempDir("cli");
  std::ofstream(dir + "/text.txt", std::ios::binary) << "h\xc3\xa9!\n";
  ShellResult ids = RunCli("tokenize --tokenizer bytes --text-file " + dir + "/text.txt");
  EXPECT_EQ(ids.exit_code, 0) << ids.out;
  EXPECT_EQ(ids.out, "[104, 195, 169, 33, 10]\n");
  std::ofstream(dir + "/ids.json") << ids.out;
  ShellResult text = RunCli("detokenize --tokenizer bytes --ids-file " + dir + "/ids.json");
  EXPECT_EQ(text.exit_code, 0) << text.out;
  EXPECT_EQ(text.out, "h\xc3\xa9!\n");
}

TEST(DetokenizeCommand, DecodesReferenceIds) {
  REQUIRE_SHARED();
  ShellResult r = RunCli("detokenize --tokenizer 20b --ids '[20704, 2490]'");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out, "memory \n");
}

TEST(DetokenizeCommand, RejectsIdsOutsideTheVocabulary) {
  ShellResult r = RunCli("detokenize --tokenizer bytes --ids '[65, 256]'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("element 1 (256)"), std::string::npos) << r.out;
  ShellResult bad = RunCli("detokenize --tokenizer bytes --ids '[65,'");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.out.find("not valid JSON"), std::string::npos) << bad.out;
}

TEST(TokenizeCommand, UsageErrors) {
  EXPECT_EQ(RunCli("tokenize --tokenizer bytes").exit_code, 2);
  EXPECT_EQ(RunCli("tokenize --text x").exit_code, 2);
  ShellResult r = RunCli("tokenize --tokenizer no-such --text x");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("no-such"), std::string::npos) << r.out;
}

}  // namespace
