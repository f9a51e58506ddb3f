// `rwkv-eval tokenize` and `rwkv-eval detokenize`, run as a user runs them.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <fstream>

#include "shared_data.h"

namespace {

struct CliResult {
  int exit_code;
  std::string out;  // stdout and stderr together
};

CliResult RunCli(const std::string& args) {
  std::string cmd = "RWKV_EVAL_TOKENIZER_DIR='" + rwkv::testing::SharedPath("tokenizers") +
                    "' '" RWKV_EVAL_BINARY "' " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  CliResult r{-1, ""};
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST(TokenizeCommand, PrintsReferenceIdsAsJson) {
  REQUIRE_SHARED();
  // First lines of reference/tokenizers/world-cases.jsonl and 20b-cases.jsonl.
  CliResult world = RunCli("tokenize --tokenizer world --text '!himwill'");
  EXPECT_EQ(world.exit_code, 0) << world.out;
  EXPECT_EQ(world.out, "[34, 7696, 27486]\n");
  CliResult pile = RunCli("tokenize --tokenizer 20b --text '!himwill'");
  EXPECT_EQ(pile.exit_code, 0) << pile.out;
  EXPECT_EQ(pile.out, "[2, 13243, 9846]\n");
}

TEST(TokenizeCommand, TextFileAndDetokenizeRoundTrip) {
  const std::string dir = rwkv::testing::TempDir("cli");
  std::ofstream(dir + "/text.txt", std::ios::binary) << "h\xc3\xa9!\n";
  CliResult ids = RunCli("tokenize --tokenizer bytes --text-file " + dir + "/text.txt");
  EXPECT_EQ(ids.exit_code, 0) << ids.out;
  EXPECT_EQ(ids.out, "[104, 195, 169, 33, 10]\n");
  std::ofstream(dir + "/ids.json") << ids.out;
  CliResult text = RunCli("detokenize --tokenizer bytes --ids-file " + dir + "/ids.json");
  EXPECT_EQ(text.exit_code, 0) << text.out;
  EXPECT_EQ(text.out, "h\xc3\xa9!\n");
}

TEST(DetokenizeCommand, DecodesReferenceIds) {
  REQUIRE_SHARED();
  CliResult r = RunCli("detokenize --tokenizer 20b --ids '[20704, 2490]'");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out, "memory \n");
}

TEST(DetokenizeCommand, RejectsIdsOutsideTheVocabulary) {
  CliResult r = RunCli("detokenize --tokenizer bytes --ids '[65, 256]'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("element 1 (256)"), std::string::npos) << r.out;
  CliResult bad = RunCli("detokenize --tokenizer bytes --ids '[65,'");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.out.find("not valid JSON"), std::string::npos) << bad.out;
}

TEST(TokenizeCommand, UsageErrors) {
  EXPECT_EQ(RunCli("tokenize --tokenizer bytes").exit_code, 2);
  EXPECT_EQ(RunCli("tokenize --text x").exit_code, 2);
  CliResult r = RunCli("tokenize --tokenizer no-such --text x");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("no-such"), std::string::npos) << r.out;
}

}  // namespace
