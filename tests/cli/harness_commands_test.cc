// The harness commands as a user runs them: validate, show, run with a replay model, and a run
// killed midway (SIGKILL) then resumed, which must equal an uninterrupted run.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "run_shell.h"
#include "shared_data.h"

namespace {

using rwkv::testing::ReadFileBytes;
using rwkv::testing::ShellResult;

ShellResult RunCli(const std::string& args) {
  return rwkv::testing::RunShell("'" RWKV_EVAL_BINARY "' " + args + " 2>&1");
}

const std::string kSuites = RWKV_EVAL_SOURCE_DIR "/suites";

TEST(HarnessCommands, ValidateAcceptsBundledAndRejectsBrokenSuites) {
  ShellResult ok = RunCli("validate arithmetic patterns code lambada");
  EXPECT_EQ(ok.exit_code, 0) << ok.out;
  const std::string dir = rwkv::testing::TempDir("cli-harness");
  std::ofstream(dir + "/bad.yaml") << "id: x\ntasks:\n  - name: t\n    kind: choise\n";
  ShellResult bad = RunCli("validate " + dir + "/bad.yaml");
  EXPECT_EQ(bad.exit_code, 1) << bad.out;
  EXPECT_NE(bad.out.find(dir + "/bad.yaml:4:11: field 'kind'"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("did you mean 'choice'"), std::string::npos) << bad.out;
}

TEST(HarnessCommands, ShowPrintsThePromptTheTranscriptsRecord) {
  ShellResult shown = RunCli("show patterns --item concat-29-49 --raw");
  ASSERT_EQ(shown.exit_code, 0) << shown.out;
  std::ifstream in(kSuites + "/transcripts/gpt-3.5-turbo.jsonl");
  std::string line;
  bool found = false;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    if (j["id"] == "patterns/number_rules/concat-29-49") {
      EXPECT_EQ(j["prompt"].get<std::string>(), shown.out);
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

// A recall checkpoint: its trial's facts and question around a placeholder for the filler (whose
// length is counted in the model's tokens), and the key a run of that checkpoint expects.
TEST(HarnessCommands, ShowsARecallCheckpointWithTheKeyARunExpects) {
  ShellResult shown = RunCli("show recall/passkey --item passkey-t2-d64");
  ASSERT_EQ(shown.exit_code, 0) << shown.out;
  const size_t at = shown.out.find("----- target -----\n");
  ASSERT_NE(at, std::string::npos) << shown.out;
  std::string key = shown.out.substr(at + 19);
  key = key.substr(0, key.find('\n'));
  ASSERT_FALSE(key.empty()) << shown.out;
  EXPECT_NE(shown.out.find("The pass key is " + key + ". Remember it."), std::string::npos)
      << shown.out;
  EXPECT_NE(shown.out.find("until 64 tokens"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("What is the pass key?"), std::string::npos) << shown.out;

  const std::string out = rwkv::testing::TempDir("cli-harness") + "/recall";
  ShellResult r = RunCli(
      "run recall/passkey --model default --progress none --item "
      "recall-passkey/passkey/passkey-t2-d64 --out " +
      out);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  std::ifstream in(out + "/samples.jsonl");
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  const auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["id"], "recall-passkey/passkey/passkey-t2-d64");
  EXPECT_EQ(j["target"].get<std::string>(), key);

  ShellResult raw = RunCli("show recall/passkey --item passkey-t2-d64 --raw");
  EXPECT_EQ(raw.exit_code, 2) << raw.out;
  EXPECT_NE(raw.out.find("model's tokens"), std::string::npos) << raw.out;
}

TEST(HarnessCommands, RunWithReplayModel) {
  const std::string out = rwkv::testing::TempDir("cli-harness") + "/run";
  ShellResult r = RunCli("run arithmetic --model replay:" + kSuites +
                         "/transcripts/gpt-3.5-turbo.jsonl --out " + out +
                         " --item 'arithmetic/word_problems/nancy-becky-apples'");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  auto results = nlohmann::json::parse(ReadFileBytes(out + "/results.json"));
  EXPECT_EQ(results["tasks"][0]["metrics"][1]["name"], "exact:flexible");
  EXPECT_EQ(results["tasks"][0]["metrics"][1]["value"], 1.0);
}

size_t CountLines(const std::string& path) {
  std::ifstream in(path);
  size_t n = 0;
  std::string line;
  while (std::getline(in, line)) ++n;
  return n;
}

TEST(HarnessCommands, KilledRunResumesToTheUninterruptedResult) {
  REQUIRE_SHARED();
  const std::string dir = rwkv::testing::TempDir("cli-harness");
  const std::string model = rwkv::testing::SharedPath("models/tiny/tiny-rwkv-7v0-834K-FP32.bin");
  // Short passages keep the test fast (also in sanitizer builds).
  const std::string data = dir + "/data";
  std::filesystem::create_directories(data);
  {
    std::ofstream docs(data + "/lambada_test.jsonl");
    for (int i = 0; i < 16; ++i) {
      docs << "{\"text\": \"The cat number " << i << " sat on the mat and looked at the dog\"}\n";
    }
  }
  const std::string common = "lambada --data-dir " + data + " --model " + model +
                             " --limit 16 --threads 1 --progress none";
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const std::string out = dir + "/killed";
    execl(RWKV_EVAL_BINARY, RWKV_EVAL_BINARY, "run", "lambada", "--data-dir", data.c_str(),
          "--model", model.c_str(), "--limit", "16", "--threads", "1", "--progress", "none",
          "--out", out.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  // Kill it once a few items are journaled.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (CountLines(dir + "/killed/samples.jsonl") < 3 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  const size_t done = CountLines(dir + "/killed/samples.jsonl");
  ASSERT_GE(done, 3u);
  ASSERT_LT(done, 16u) << "the run finished before it could be killed";
  EXPECT_NE(RunCli("run " + common + " --out " + dir + "/killed").exit_code, 0);  // needs --resume
  ShellResult resumed = RunCli("run " + common + " --out " + dir + "/killed --resume");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out;
  ShellResult whole = RunCli("run " + common + " --out " + dir + "/whole");
  ASSERT_EQ(whole.exit_code, 0) << whole.out;
  const std::string a = ReadFileBytes(dir + "/whole/results.json");
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a, ReadFileBytes(dir + "/killed/results.json"));
  EXPECT_EQ(CountLines(dir + "/killed/samples.jsonl"), 16u);
}

}  // namespace
