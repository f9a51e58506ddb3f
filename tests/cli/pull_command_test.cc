// `rwkv-eval pull URL` run as a user runs it, against a local server on 127.0.0.1.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "run_shell.h"
#include "shared_data.h"

namespace {

namespace fs = std::filesystem;

using rwkv::testing::ShellResult;

// Runs rwkv-eval with `args` after the environment assignments `env`; stderr goes to
// `err_path`.
ShellResult RunCli(const std::string& env, const std::string& args, const std::string& err_path) {
  return rwkv::testing::RunShell(env + " '" RWKV_EVAL_BINARY "' " + args + " 2>'" + err_path + "'");
}

class PullCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 5000; ++i) content_.push_back(static_cast<char>((i * 7919) & 0xff));
    server_.Get("/tiny-model.bin", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(content_, "application/octet-stream");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    dir_ = rwkv::testing::TempDir("pull");
    env_ = "XDG_CACHE_HOME='" + dir_ + "/cache'";
  }
  void TearDown() override {
    server_.stop();
    thread_.join();
  }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::string Sha256Sum() {
    const std::string path = dir_ + "/expected";
    std::ofstream(path, std::ios::binary) << content_;
    const ShellResult r = rwkv::testing::RunShell("sha256sum '" + path + "'");
    return r.exit_code == 0 && r.out.size() >= 64 ? r.out.substr(0, 64) : "";
  }

  std::string content_;
  httplib::Server server_;
  int port_ = -1;
  std::thread thread_;
  std::string dir_, env_;
};

TEST_F(PullCommandTest, DownloadsIntoTheCacheAndVerifies) {
  const std::string sha = Sha256Sum();
  ASSERT_EQ(sha.size(), 64u);
  const std::string err = dir_ + "/stderr";
  ShellResult r = RunCli(env_, "pull " + Url("/tiny-model.bin") + " --sha256 " + sha, err);
  const std::string messages = rwkv::testing::ReadFileBytes(err);
  ASSERT_EQ(r.exit_code, 0) << messages;
  const std::string expected_path = dir_ + "/cache/rwkv-eval/models/tiny-model.bin";
  EXPECT_EQ(r.out, expected_path + "\n");
  EXPECT_EQ(rwkv::testing::ReadFileBytes(expected_path), content_);
  EXPECT_NE(messages.find("SHA-256 verified"), std::string::npos) << messages;
  // Not a terminal: plain progress lines, no carriage returns.
  EXPECT_NE(messages.find("5.0 kB of 5.0 kB (100%)"), std::string::npos) << messages;
  EXPECT_EQ(messages.find('\r'), std::string::npos);
}

TEST_F(PullCommandTest, WrongDigestFailsAndLeavesNothing) {
  const std::string err = dir_ + "/stderr";
  ShellResult r = RunCli(
      env_,
      "pull " + Url("/tiny-model.bin") + " --dir " + dir_ + "/d --sha256 " + std::string(64, '0'),
      err);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(rwkv::testing::ReadFileBytes(err).find("SHA-256 mismatch"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ + "/d/tiny-model.bin"));
  EXPECT_FALSE(fs::exists(dir_ + "/d/tiny-model.bin.part"));
}

TEST_F(PullCommandTest, MissingFileIsAClearError) {
  const std::string err = dir_ + "/stderr";
  ShellResult r = RunCli(env_, "pull " + Url("/nothing-here.pth"), err);
  EXPECT_EQ(r.exit_code, 1);
  const std::string messages = rwkv::testing::ReadFileBytes(err);
  EXPECT_NE(messages.find("HTTP 404"), std::string::npos) << messages;
  EXPECT_NE(messages.find("nothing-here.pth"), std::string::npos) << messages;
}

TEST_F(PullCommandTest, UnknownNameListsTheKnownOnes) {
  const std::string err = dir_ + "/stderr";
  ShellResult r = RunCli(env_, "pull no-such-model", err);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("RWKV-4-Pile-169M"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("RWKV-7-World-0.1B"), std::string::npos) << r.out;
}

}  // namespace
