// `rwkv-eval run --model openai:...` against a deliberately misbehaving local server (429 with
// Retry-After, 500s, answers slower than the timeout, truncated and invalid JSON, dropped
// connections, and items that never succeed): the run finishes, items that eventually succeed
// are scored, the others are recorded as errors apart from wrong answers, `--retry-errors`
// re-runs only those, and an interrupted run completes with `--resume` to the result of a run
// against a healthy server. Everything stays on 127.0.0.1.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "../adapters/fake_http_server.h"
#include "run_shell.h"
#include "shared_data.h"

extern char** environ;

namespace {

using nlohmann::json;
using rwkv::testing::FakeReply;
using rwkv::testing::FakeRequest;
using Kind = FakeReply::Kind;

constexpr int kItems = 12;
constexpr int kFaultClasses = 6;  // see ArithmeticServer::Reply
constexpr int kNeverSucceeds = 5;
constexpr const char* kKeyVar = "RWKV_EVAL_FAULTS_TEST_KEY";
constexpr const char* kKey = "sk-faults-3c2b1a-never-written";

FakeReply Answer(Kind kind, int status, std::string body, int delay_ms = 0,
                 std::vector<std::pair<std::string, std::string>> headers = {}) {
  FakeReply r;
  r.kind = kind;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  r.delay_ms = delay_ms;
  return r;
}

// Answers "What is A + B?" (the last one in the prompt) like a model that gets sums divisible
// by 3 wrong. While `faulty`, the n-th distinct question in sorted order gets fault class n % 6.
class ArithmeticServer {
 public:
  ArithmeticServer() : http_([this](int, const FakeRequest& r) { return Reply(r); }) {}

  std::string url() const { return http_.url(); }
  // Healthy until Learn() has seen the questions once; then faulty until SetFaulty(false).
  void SetFaulty(bool faulty) {
    std::lock_guard<std::mutex> lock(mu_);
    faulty_ = faulty;
    attempts_.clear();
    requested_.clear();
  }
  // Classes from the distinct questions requested so far.
  void Learn() {
    std::lock_guard<std::mutex> lock(mu_);
    std::set<std::string> sorted(requested_.begin(), requested_.end());
    int n = 0;
    for (const std::string& q : sorted) fault_class_[q] = n++ % kFaultClasses;
  }
  int FaultClass(const std::string& question) {
    std::lock_guard<std::mutex> lock(mu_);
    return fault_class_.count(question) ? fault_class_[question] : -1;
  }
  std::map<std::string, int> attempts() {
    std::lock_guard<std::mutex> lock(mu_);
    return attempts_;
  }
  // Sends SIGINT to `pid` when the `nth` distinct question arrives (0: never).
  void InterruptAt(pid_t pid, int nth) {
    std::lock_guard<std::mutex> lock(mu_);
    interrupt_pid_ = pid;
    interrupt_at_ = nth;
  }
  size_t requests() { return http_.requests().size(); }
  // Requests that carried the test key in their Authorization header.
  size_t requests_with_key() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_with_key_;
  }
  size_t distinct_questions() {
    std::lock_guard<std::mutex> lock(mu_);
    return attempts_.size();
  }

  // The sum the server claims, and whether it is right.
  static int Claimed(int a, int b) { return (a + b) % 3 == 0 ? a + b + 1 : a + b; }

 private:
  FakeReply Reply(const FakeRequest& request) {
    std::string prompt;
    try {
      prompt = json::parse(request.body).at("prompt").get<std::string>();
    } catch (const json::exception&) {
      return Answer(Kind::kRespond, 400, R"({"error":{"message":"bad request"}})");
    }
    static const std::regex question_re("What is ([0-9]+) \\+ ([0-9]+)\\?");
    std::smatch m, last;
    for (auto it = prompt.cbegin(); std::regex_search(it, prompt.cend(), m, question_re);
         it = m.suffix().first) {
      last = m;
    }
    if (last.empty()) return Answer(Kind::kRespond, 400, R"({"error":{"message":"no question"}})");
    const std::string question = last[0];
    const int a = std::stoi(last[1]), b = std::stoi(last[2]);
    int attempt = 0, fault = -1;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (request.headers.find(std::string("Bearer ") + kKey) != std::string::npos) {
        ++requests_with_key_;
      }
      attempt = attempts_[question]++;
      if (attempt == 0) requested_.push_back(question);
      if (faulty_ && fault_class_.count(question)) fault = fault_class_[question];
      if (attempt == 0 && interrupt_at_ > 0 &&
          static_cast<int>(attempts_.size()) == interrupt_at_) {
        kill(interrupt_pid_, SIGINT);
      }
    }
    const FakeReply ok = Answer(Kind::kRespond, 200,
                                rwkv::testing::CompletionBody(" " + std::to_string(Claimed(a, b))));
    switch (fault) {
      case 0:  // rate limited once, with Retry-After
        if (attempt == 0) {
          return Answer(Kind::kRespond, 429, R"({"error":{"message":"rate limited"}})", 0,
                        {{"Retry-After", "1"}});
        }
        return ok;
      case 1:  // two server errors
        if (attempt < 2)
          return Answer(Kind::kRespond, 500, R"({"error":{"message":"overloaded"}})");
        return ok;
      case 2:  // slower than the client's timeout once
        if (attempt == 0) return Answer(Kind::kRespond, 200, ok.body, 1500);
        return ok;
      case 3:  // a truncated body, then one that is not JSON
        if (attempt == 0)
          return Answer(Kind::kTruncate, 200, ok.body.substr(0, ok.body.size() / 2));
        if (attempt == 1) return Answer(Kind::kRespond, 200, "<html>gateway</html>");
        return ok;
      case 4:  // the connection dropped once
        if (attempt == 0) return Answer(Kind::kDrop, 0, "");
        return ok;
      case kNeverSucceeds:
        return Answer(Kind::kRespond, 500, R"({"error":{"message":"backend down"}})");
      default:
        return ok;
    }
  }

  std::mutex mu_;
  bool faulty_ = false;
  size_t requests_with_key_ = 0;
  std::map<std::string, int> attempts_;     // question -> requests
  std::vector<std::string> requested_;      // distinct questions in arrival order
  std::map<std::string, int> fault_class_;  // question -> class
  pid_t interrupt_pid_ = 0;
  int interrupt_at_ = 0;
  rwkv::testing::FakeHttpServer http_;  // last: stopped first
};

std::vector<json> ReadJsonLines(const std::string& path) {
  std::vector<json> lines;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) lines.push_back(json::parse(line));
  return lines;
}

bool Failed(const json& record) { return !record.value("error", "").empty(); }

// The question an item asked, from its recorded prompt.
std::string QuestionOf(const json& record) {
  const std::string prompt = record.value("prefix", "") + record.value("prompt", "");
  const size_t at = prompt.rfind("What is ");
  return at == std::string::npos ? "" : prompt.substr(at, prompt.find('?', at) - at + 1);
}

class RemoteRunFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = rwkv::testing::TempDir("remote_run_faults");
    ::setenv(kKeyVar, kKey, 1);
  }
  void TearDown() override { ::unsetenv(kKeyVar); }

  std::vector<std::string> Args(const std::string& out, int concurrency) {
    return {RWKV_EVAL_BINARY,
            "run",
            "arithmetic",
            "--task",
            "add_1digit",
            "--limit",
            std::to_string(kItems),
            "--model",
            "openai:flaky",
            "--base-url",
            server_.url(),
            "--no-cache",
            "--api-key-env",
            kKeyVar,
            "--timeout",
            "0.5",
            "--retries",
            "3",
            "--retry-backoff",
            "0.01",
            "--concurrency",
            std::to_string(concurrency),
            "--progress",
            "none",
            "--out",
            dir_ + "/" + out};
  }
  rwkv::testing::ShellResult Run(const std::string& out, const std::string& extra = "",
                                 int concurrency = 3) {
    std::string cmd;
    for (const std::string& a : Args(out, concurrency)) cmd += "'" + a + "' ";
    return rwkv::testing::RunShell(cmd + extra + " 2>&1");
  }
  // Starts a run in the background (its output in DIR/OUT.log); returns its pid.
  pid_t Spawn(const std::string& out, int concurrency) {
    std::vector<std::string> args = Args(out, concurrency);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string log = dir_ + "/" + out + ".log";
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    return rc == 0 ? pid : 0;
  }
  std::string Read(const std::string& relative) {
    return rwkv::testing::ReadFileBytes(dir_ + "/" + relative);
  }

  // A run against the healthy server: the reference result, and the questions learned.
  void RunHealthyReference() {
    auto whole = Run("whole");
    ASSERT_EQ(whole.exit_code, 0) << whole.out;  // wrong answers are not errors
    ASSERT_EQ(server_.distinct_questions(), static_cast<size_t>(kItems));
    server_.Learn();
  }

  ArithmeticServer server_;
  std::string dir_;
};

TEST_F(RemoteRunFaults, RunFinishesScoresRecoveredItemsAndRetriesOnlyTheErrors) {
  RunHealthyReference();
  server_.SetFaulty(true);
  auto faulty = Run("faulty");
  EXPECT_EQ(faulty.exit_code, 1) << faulty.out;
  EXPECT_NE(faulty.out.find("(generate, 12 items: 10 scored, 2 errors)"), std::string::npos)
      << faulty.out;
  EXPECT_NE(faulty.out.find("--retry-errors"), std::string::npos) << faulty.out;

  // Every fault happened as scripted; the retries went through.
  const int expected_attempts[kFaultClasses] = {2, 3, 2, 3, 2, 4};
  for (const auto& [question, n] : server_.attempts()) {
    EXPECT_EQ(n, expected_attempts[server_.FaultClass(question)]) << question;
  }

  // Errors are recorded apart from wrong answers: not scored, naming the HTTP status.
  const std::vector<json> records = ReadJsonLines(dir_ + "/faulty/samples.jsonl");
  ASSERT_EQ(records.size(), static_cast<size_t>(kItems));
  int right = 0, wrong = 0;
  for (const json& r : records) {
    const std::string q = QuestionOf(r);
    if (server_.FaultClass(q) == kNeverSucceeds) {
      EXPECT_NE(r["error"].get<std::string>().find("HTTP 500: backend down"), std::string::npos)
          << r;
      EXPECT_FALSE(r.contains("values") && r["values"].contains("exact:flexible")) << r;
      continue;
    }
    ASSERT_FALSE(Failed(r)) << r;
    int a = 0, b = 0;
    ASSERT_EQ(std::sscanf(q.c_str(), "What is %d + %d?", &a, &b), 2) << q;
    const bool correct = ArithmeticServer::Claimed(a, b) == a + b;
    (correct ? right : wrong)++;
    EXPECT_EQ(r["output"], " " + std::to_string(ArithmeticServer::Claimed(a, b)));
    EXPECT_EQ(r["values"]["exact:flexible"], correct ? 1.0 : 0.0) << r;
  }
  ASSERT_EQ(right + wrong, 10);
  EXPECT_GT(wrong, 0);  // the check below tells errors from wrong answers
  const json results = json::parse(Read("faulty/results.json"));
  const json& task = results["tasks"][0];
  EXPECT_EQ(task["n_items"], kItems);
  EXPECT_EQ(task["n_scored"], 10);
  EXPECT_EQ(task["n_errors"], 2);
  bool checked = false;
  for (const json& m : task["metrics"]) {
    if (m["name"] == "exact:flexible") {
      EXPECT_DOUBLE_EQ(m["value"].get<double>(), right / 10.0);
      checked = true;
    }
  }
  EXPECT_TRUE(checked) << task;

  // The server recovers: --retry-errors asks only for the two failed items, once each.
  server_.SetFaulty(false);
  auto retried = Run("faulty", "--retry-errors");
  ASSERT_EQ(retried.exit_code, 0) << retried.out;
  const auto attempts = server_.attempts();
  ASSERT_EQ(attempts.size(), 2u);
  for (const auto& [question, n] : attempts) {
    EXPECT_EQ(server_.FaultClass(question), kNeverSucceeds) << question;
    EXPECT_EQ(n, 1) << question;
  }
  // Finished items are untouched; the result is the healthy run's.
  const std::vector<json> after = ReadJsonLines(dir_ + "/faulty/samples.jsonl");
  ASSERT_EQ(after.size(), records.size());
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_FALSE(Failed(after[i])) << after[i];
    if (!Failed(records[i])) {
      EXPECT_EQ(after[i], records[i]);
    }
  }
  EXPECT_EQ(Read("faulty/results.json"), Read("whole/results.json"));

  // The key went to the server in every request and into no file the runs wrote.
  EXPECT_EQ(server_.requests_with_key(), server_.requests());
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir_)) {
    if (!e.is_regular_file()) continue;
    EXPECT_EQ(rwkv::testing::ReadFileBytes(e.path().string()).find(kKey), std::string::npos)
        << e.path();
  }
}

TEST_F(RemoteRunFaults, OptionChecksAndTheDefaultResponseCache) {
  auto nothing = Run("nothing", "--retry-errors");
  EXPECT_EQ(nothing.exit_code, 1) << nothing.out;
  EXPECT_NE(nothing.out.find("holds no run whose errors could be retried"), std::string::npos)
      << nothing.out;
  EXPECT_EQ(Run("x", "--cache '" + dir_ + "/c.sqlite'").exit_code, 2);  // with --no-cache
  for (const char* bad : {"--timeout 0", "--concurrency 0", "--retries -1", "--retry-backoff -1",
                          "--requests-per-minute -5", "--tokens-per-minute -1"}) {
    auto r = rwkv::testing::RunShell("'" RWKV_EVAL_BINARY
                                     "' run arithmetic --model openai:m "
                                     "--base-url " +
                                     server_.url() + " --out '" + dir_ + "/x' " + bad + " 2>&1");
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.out;
    EXPECT_NE(r.out.find(std::string(bad).substr(0, std::string(bad).find(' '))), std::string::npos)
        << r.out;
  }
  EXPECT_EQ(server_.distinct_questions(), 0u);

  // Without --cache or --no-cache, responses are kept in the user cache folder: a second run
  // sends no request.
  for (const char* out : {"/cached1", "/cached2"}) {
    auto r = rwkv::testing::RunShell("XDG_CACHE_HOME='" + dir_ +
                                     "/xdg' '" RWKV_EVAL_BINARY
                                     "' run arithmetic --task add_1digit --limit 1 --model "
                                     "openai:m --progress none --base-url " +
                                     server_.url() + " --out '" + dir_ + out + "' 2>&1");
    EXPECT_EQ(r.exit_code, 0) << r.out;
  }
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/xdg/rwkv-eval/responses.sqlite"));
  EXPECT_EQ(server_.requests(), 1u);
}

TEST_F(RemoteRunFaults, InterruptedFaultyRunCompletesWithRetryErrorsAndResume) {
  RunHealthyReference();
  server_.SetFaulty(true);
  // One item at a time; Ctrl-C when the 5th item is asked: that item finishes, no more start.
  const pid_t pid = Spawn("cut", 1);
  ASSERT_GT(pid, 0);
  server_.InterruptAt(pid, 5);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  server_.InterruptAt(0, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << Read("cut.log");
  EXPECT_NE(Read("cut.log").find("continue with --resume"), std::string::npos) << Read("cut.log");
  const std::vector<json> cut = ReadJsonLines(dir_ + "/cut/samples.jsonl");
  ASSERT_GE(cut.size(), 5u);
  ASSERT_LT(cut.size(), static_cast<size_t>(kItems));
  std::set<std::string> failed, finished;
  for (const json& r : cut) (Failed(r) ? failed : finished).insert(QuestionOf(r));
  for (const std::string& q : failed) EXPECT_EQ(server_.FaultClass(q), kNeverSucceeds) << q;

  // --retry-errors redoes the failures only and says that other items never ran.
  server_.SetFaulty(false);
  auto retried = Run("cut", "--retry-errors");
  EXPECT_EQ(retried.exit_code, 1) << retried.out;
  EXPECT_NE(retried.out.find("never ran: continue with --resume"), std::string::npos)
      << retried.out;
  std::set<std::string> asked;
  for (const auto& [question, n] : server_.attempts()) asked.insert(question);
  EXPECT_EQ(asked, failed);
  EXPECT_EQ(ReadJsonLines(dir_ + "/cut/samples.jsonl").size(), cut.size());

  // --resume runs the rest, nothing finished twice, and ends at the healthy run's result.
  server_.SetFaulty(false);
  auto resumed = Run("cut", "--resume");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out;
  EXPECT_EQ(server_.distinct_questions(), kItems - cut.size());
  for (const auto& [question, n] : server_.attempts()) {
    EXPECT_FALSE(finished.count(question) || failed.count(question)) << question;
  }
  EXPECT_EQ(Read("cut/results.json"), Read("whole/results.json"));
}

}  // namespace
