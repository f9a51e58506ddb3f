// `rwkv-eval serve` run as a user runs it: binds 127.0.0.1, answers, stops cleanly on SIGTERM
// and SIGINT, and never prints its key; bundled suites run through it with `rwkv-eval run
// --model openai:...` give the built-in model's answers.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "run_shell.h"
#include "shared_data.h"

extern char** environ;

namespace {

constexpr const char* kKey = "serve-cli-secret-4711";

class ServeCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    if (rwkv::testing::SharedDir().empty()) GTEST_SKIP() << "reference data not found";
    err_path_ = rwkv::testing::TempDir("serve_cli") + "/stderr.txt";
  }
  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  // Starts the server; returns its port once it says it is serving (0 on failure).
  int Start(std::vector<std::string> extra) {
    std::vector<std::string> args = {
        RWKV_EVAL_BINARY, "serve",
        "--model",        rwkv::testing::SharedPath("models/tiny/tiny-rwkv-7v0-834K-FP32.bin"),
        "--port",         "0",
        "--threads",      "1"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 2, err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int rc = posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) return 0;
    const std::regex serving("at http://127\\.0\\.0\\.1:([0-9]+)/v1");
    for (int i = 0; i < 1000; ++i) {
      std::smatch m;
      const std::string err = Stderr();
      if (std::regex_search(err, m, serving)) return std::stoi(m[1]);
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {  // exited without serving
        pid_ = 0;
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -2;
        return 0;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return 0;
  }
  std::string Stderr() { return rwkv::testing::ReadFileBytes(err_path_); }
  // Exit code after `sig`, or -1 if it did not exit within 10 s.
  int StopWith(int sig) {
    kill(pid_, sig);
    for (int i = 0; i < 1000; ++i) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = 0;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -2;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }

  pid_t pid_ = 0;
  int exit_code_ = -1;  // when it exited during Start
  std::string err_path_;
};

TEST_F(ServeCommand, AnswersAndStopsCleanlyOnSigterm) {
  const int port = Start({});
  ASSERT_GT(port, 0) << Stderr();
  httplib::Client c("127.0.0.1", port);
  auto res = c.Post("/v1/completions", R"({"prompt":"Hi","max_tokens":3,"temperature":0})",
                    "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(StopWith(SIGTERM), 0) << Stderr();
  EXPECT_NE(Stderr().find("stopped"), std::string::npos);
}

TEST_F(ServeCommand, RequiresTheKeyAndNeverPrintsIt) {
  ::setenv("RWKV_EVAL_SERVE_TEST_KEY", kKey, 1);
  const int port = Start({"--api-key-env", "RWKV_EVAL_SERVE_TEST_KEY"});
  ASSERT_GT(port, 0) << Stderr();
  httplib::Client c("127.0.0.1", port);
  auto denied = c.Get("/v1/models");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 401);
  auto allowed = c.Get("/v1/models", {{"Authorization", std::string("Bearer ") + kKey}});
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->status, 200);
  EXPECT_EQ(StopWith(SIGINT), 0);
  EXPECT_EQ(Stderr().find(kKey), std::string::npos);
  ::unsetenv("RWKV_EVAL_SERVE_TEST_KEY");
}

TEST_F(ServeCommand, MissingKeyVariableIsAUsageError) {
  ::unsetenv("RWKV_EVAL_SERVE_UNSET_KEY");
  EXPECT_EQ(Start({"--api-key-env", "RWKV_EVAL_SERVE_UNSET_KEY"}), 0);
  EXPECT_EQ(exit_code_, 2);
  EXPECT_NE(Stderr().find("RWKV_EVAL_SERVE_UNSET_KEY"), std::string::npos);
}

}  // namespace

namespace {

std::vector<nlohmann::json> ReadJsonLines(const std::string& path) {
  std::vector<nlohmann::json> lines;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

rwkv::testing::ShellResult RunCli(const std::string& args) {
  return rwkv::testing::RunShell("'" RWKV_EVAL_BINARY "' " + args + " 2>&1");
}

// Item by item: the same items, greedy outputs and extractions equal, log-likelihoods within
// 1e-4, the same greedy verdicts and token counts.
void ExpectSameAnswers(const std::string& want_path, const std::string& got_path) {
  const auto want = ReadJsonLines(want_path), got = ReadJsonLines(got_path);
  ASSERT_EQ(got.size(), want.size());
  int loglikelihood_items = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    const auto &w = want[i], &g = got[i];
    const std::string id = w["suite"].get<std::string>() + "/" + w["task"].get<std::string>() +
                           "/" + w["item"].get<std::string>();
    EXPECT_EQ(g["item"], w["item"]) << id;
    EXPECT_EQ(g.value("error", ""), "") << id;
    EXPECT_EQ(g.value("output", ""), w.value("output", "")) << id;
    EXPECT_EQ(g.value("extracted", nlohmann::json()), w.value("extracted", nlohmann::json())) << id;
    for (const auto& [name, value] : w["values"].items()) {
      ASSERT_TRUE(g["values"].contains(name)) << id << " " << name;
      if (name == "logprob") {
        ++loglikelihood_items;
        EXPECT_NEAR(g["values"][name].get<double>(), value.get<double>(), 1e-4) << id;
      } else {
        EXPECT_EQ(g["values"][name], value) << id << " " << name;
      }
    }
  }
  EXPECT_GT(loglikelihood_items, 0);
}

}  // namespace

TEST_F(ServeCommand, BundledSuitesThroughServeGiveTheBuiltinAnswers) {
  const int port = Start({"--model-id", "tiny"});
  ASSERT_GT(port, 0) << Stderr();
  const std::string dir = rwkv::testing::TempDir("serve_cli_run");
  const std::string suites = "arithmetic lambada --limit 2 --progress none --data-dir '" +
                             rwkv::testing::SharedPath("datasets") + "'";
  const std::string remote =
      " --model openai:tiny --base-url http://127.0.0.1:" + std::to_string(port) + " --cache '" +
      dir + "/responses.sqlite'";
  auto builtin = RunCli("run " + suites + " --threads 1 --out '" + dir + "/builtin' --model '" +
                        rwkv::testing::SharedPath("models/tiny/tiny-rwkv-7v0-834K-FP32.bin") + "'");
  ASSERT_EQ(builtin.exit_code, 0) << builtin.out;
  auto served = RunCli("run " + suites + remote + " --out '" + dir + "/served'");
  ASSERT_EQ(served.exit_code, 0) << served.out;
  ExpectSameAnswers(dir + "/builtin/samples.jsonl", dir + "/served/samples.jsonl");

  // With the server gone, the response cache answers a repeated run by itself.
  EXPECT_EQ(StopWith(SIGTERM), 0);
  auto cached = RunCli("run " + suites + remote + " --retries 0 --out '" + dir + "/cached'");
  ASSERT_EQ(cached.exit_code, 0) << cached.out;
  ExpectSameAnswers(dir + "/builtin/samples.jsonl", dir + "/cached/samples.jsonl");
}
