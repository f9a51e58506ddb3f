// The OpenAI-compatible adapter against deliberately misbehaving local servers: retries,
// errors, secrets, cache, concurrency, rate limits. Everything stays on 127.0.0.1.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "fake_http_server.h"
#include "rwkv/adapters/openai_adapter.h"
#include "shared_data.h"

namespace rwkv::adapters {
namespace {

using rwkv::testing::CompletionBody;
using rwkv::testing::FakeHttpServer;
using rwkv::testing::FakeReply;
using rwkv::testing::FakeRequest;
using Kind = FakeReply::Kind;

constexpr const char* kKeyVar = "RWKV_EVAL_TEST_OPENAI_KEY";
constexpr const char* kKey = "sk-test-9f8e7d6c5b4a-do-not-leak";

// Options for fast tests: tiny backoff, short timeout, log lines collected.
OpenAIOptions FastOptions(const std::string& url, std::vector<std::string>* log,
                          std::mutex* log_mu) {
  OpenAIOptions o;
  o.model = "test-model";
  o.base_url = url;
  o.api_key_env = kKeyVar;
  o.timeout_seconds = 0.5;
  o.max_retries = 8;
  o.initial_backoff_seconds = 0.01;
  o.max_backoff_seconds = 0.05;
  o.log = [log, log_mu](const std::string& line) {
    std::lock_guard<std::mutex> lock(*log_mu);
    log->push_back(line);
  };
  return o;
}

GenerateRequest Prompt(const std::string& id, const std::string& text) {
  GenerateRequest r;
  r.item_id = id;
  r.prompt = text;
  r.params.max_tokens = 8;
  return r;
}

TEST(OpenAIAdapter, RetriesThroughEveryKindOfFaultInOrder) {
  const FakeReply script[] = {
      {Kind::kRespond, 429, R"({"error":{"message":"slow down"}})", {{"Retry-After", "1"}}, 0},
      {Kind::kRespond, 500, R"({"error":{"message":"boom"}})", {}, 0},
      {Kind::kDrop, 0, "", {}, 0},
      {Kind::kTruncate, 200, R"({"choices":[{"te)", {}, 0},
      {Kind::kRespond, 200, "<html>not json</html>", {}, 0},
      {Kind::kRespond, 200, CompletionBody("late"), {}, 1500},  // slower than the timeout
      {Kind::kRespond, 503, "", {}, 0},
      {Kind::kRespond, 200, CompletionBody(" answer"), {}, 0},
  };
  FakeHttpServer server([&](int i, const FakeRequest&) { return script[std::min(i, 7)]; });
  std::vector<std::string> log;
  std::mutex log_mu;
  auto m = OpenOpenAIModel(FastOptions(server.url(), &log, &log_mu));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  auto r = (*m)->Generate(Prompt("suite/task/7", "Q: 2+2?\nA:"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->text, " answer");
  EXPECT_FALSE(r->cached);

  const auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 8u);
  // Retry-After: 1 was honoured before the second attempt.
  EXPECT_GE(reqs[1].arrived - reqs[0].arrived, std::chrono::milliseconds(950));
  for (const auto& q : reqs) {
    EXPECT_EQ(q.request_line, "POST /v1/completions HTTP/1.1");
    EXPECT_EQ(q.body, reqs[0].body);  // the same request every time
  }
  const auto body = nlohmann::json::parse(reqs[0].body);
  EXPECT_EQ(body["prompt"], "Q: 2+2?\nA:");
  EXPECT_EQ(body["model"], "test-model");
  EXPECT_EQ(body["max_tokens"], 8);

  // One log line per retry, in order, naming the request and the fault.
  ASSERT_EQ(log.size(), 7u);
  const char* expected[] = {
      "HTTP 429: slow down", "HTTP 500: boom", "connection failed", "connection failed",
      "not valid JSON",      "timed out",      "HTTP 503"};
  for (size_t i = 0; i < 7; ++i) {
    EXPECT_NE(log[i].find(expected[i]), std::string::npos) << i << ": " << log[i];
    EXPECT_NE(log[i].find("item suite/task/7"), std::string::npos) << log[i];
    EXPECT_NE(log[i].find("retry " + std::to_string(i + 1) + "/8"), std::string::npos) << log[i];
  }
}

TEST(OpenAIAdapter, ServerThatAlwaysFailsGivesAnItemError) {
  std::atomic<int> calls{0};
  FakeHttpServer server([&](int, const FakeRequest&) {
    ++calls;
    return FakeReply{Kind::kRespond, 500, R"({"error":{"message":"backend on fire"}})", {}, 0};
  });
  std::vector<std::string> log;
  std::mutex log_mu;
  OpenAIOptions o = FastOptions(server.url(), &log, &log_mu);
  o.max_retries = 2;
  auto m = OpenOpenAIModel(o);
  ASSERT_TRUE(m.ok());
  auto r = (*m)->Generate(Prompt("s/t/1", "hi"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIOError);
  const std::string& msg = r.status().message();
  EXPECT_NE(msg.find("openai:test-model: POST /completions (item s/t/1)"), std::string::npos)
      << msg;
  EXPECT_NE(msg.find("HTTP 500: backend on fire"), std::string::npos) << msg;
  EXPECT_NE(msg.find("gave up after 3 attempts"), std::string::npos) << msg;
  EXPECT_EQ(calls, 3);

  auto ll = (*m)->Loglikelihood({"s/t/2", "", "ctx", " cont"});
  ASSERT_FALSE(ll.ok());
  EXPECT_EQ(ll.status().code(), StatusCode::kIOError);
  EXPECT_EQ(calls, 6);
}

TEST(OpenAIAdapter, ClientErrorsAreNotRetriedAndNamedByKind) {
  std::atomic<int> status{400};
  std::atomic<int> calls{0};
  FakeHttpServer server([&](int, const FakeRequest&) {
    ++calls;
    return FakeReply{Kind::kRespond, status.load(), R"({"error":{"message":"nope"}})", {}, 0};
  });
  std::vector<std::string> log;
  std::mutex log_mu;
  auto m = OpenOpenAIModel(FastOptions(server.url(), &log, &log_mu));
  ASSERT_TRUE(m.ok());
  auto r = (*m)->Generate(Prompt("a", "x"));
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("HTTP 400: nope"), std::string::npos);
  EXPECT_EQ(calls, 1);
  status = 401;
  r = (*m)->Generate(Prompt("a", "x"));
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(calls, 2);
  // A server that refuses echo + logprobs: log-likelihood is unsupported, not an error score.
  status = 400;
  auto ll = (*m)->Loglikelihood({"b", "", "ctx", " c"});
  EXPECT_EQ(ll.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(ll.status().message().find("not supported by this model"), std::string::npos);
  EXPECT_TRUE(log.empty());
}

TEST(OpenAIAdapter, ServerWithoutPromptLogprobsIsUnsupported) {
  FakeHttpServer server([&](int, const FakeRequest&) {
    return FakeReply{Kind::kRespond,
                     200,
                     R"({"choices":[{"text":"ctx c!","logprobs":null,"finish_reason":"length"}]})",
                     {},
                     0};
  });
  std::vector<std::string> log;
  std::mutex log_mu;
  auto m = OpenOpenAIModel(FastOptions(server.url(), &log, &log_mu));
  ASSERT_TRUE(m.ok());
  auto ll = (*m)->Loglikelihood({"b", "", "ctx", " c"});
  EXPECT_EQ(ll.status().code(), StatusCode::kUnsupported) << ll.status().ToString();
  const auto body = nlohmann::json::parse(server.requests().at(0).body);
  EXPECT_EQ(body["echo"], true);
  EXPECT_EQ(body["logprobs"], 1);
  EXPECT_EQ(body["prompt"], "ctx c");
}

TEST(OpenAIAdapter, ScoresEchoedTokensOfTheContinuationOnly) {
  // Tokens "The| cat| sat|!" (the last one generated); hand-written log-probabilities.
  const std::string body = R"({"choices":[{"text":"The cat sat!","finish_reason":"length",
    "logprobs":{"tokens":["The"," cat"," sat","!"],
                "token_logprobs":[null,-1.5,-0.25,-3.0],
                "top_logprobs":[null,{" cat":-1.5," dog":-1.7},{" ran":-0.1," sat":-0.25},{"!":-3.0}],
                "text_offset":[0,3,7,11]}}]})";
  FakeHttpServer server([&](int, const FakeRequest&) {
    return FakeReply{Kind::kRespond, 200, body, {}, 0};
  });
  std::vector<std::string> log;
  std::mutex log_mu;
  auto m = OpenOpenAIModel(FastOptions(server.url(), &log, &log_mu));
  ASSERT_TRUE(m.ok());
  auto ll = (*m)->Loglikelihood({"i", "The", "", " cat sat"});
  ASSERT_TRUE(ll.ok()) << ll.status().ToString();
  EXPECT_DOUBLE_EQ(ll->logprob, -1.75);
  EXPECT_EQ(ll->n_tokens, 2);
  EXPECT_FALSE(ll->is_greedy);  // " ran" beat " sat"
  EXPECT_EQ(ll->token_greedy, (std::vector<bool>{true, false}));
  // Continuation starting inside a token: refused, not guessed.
  auto straddle = (*m)->Loglikelihood({"j", "", "The c", "at sat"});
  EXPECT_FALSE(straddle.ok());
  // Empty context: the first token has no log-probability in this API.
  auto empty = (*m)->Loglikelihood({"k", "", "", "The cat sat"});
  EXPECT_EQ(empty.status().code(), StatusCode::kUnsupported);
}

// Every file under `dir` (recursively) as bytes, concatenated with its name.
std::string AllFilesUnder(const std::string& dir) {
  std::string all;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    all += e.path().string() + "\n" + rwkv::testing::ReadFileBytes(e.path().string());
  }
  return all;
}

TEST(OpenAIAdapter, ApiKeyIsSentButNeverWritten) {
  ::setenv(kKeyVar, kKey, 1);
  // A hostile server that quotes the Authorization header back in its errors.
  FakeHttpServer server([&](int i, const FakeRequest& q) {
    const size_t at = q.headers.find("Authorization: ");
    const std::string auth = q.headers.substr(at, q.headers.find("\r\n", at) - at);
    const std::string err = nlohmann::json{{"error", {{"message", "bad " + auth}}}}.dump();
    if (i == 0) return FakeReply{Kind::kRespond, 500, err, {}, 0};
    if (i == 1) return FakeReply{Kind::kRespond, 200, CompletionBody("ok " + auth), {}, 0};
    return FakeReply{Kind::kRespond, 400, err, {}, 0};
  });
  const std::string dir = rwkv::testing::TempDir("openai_key");
  std::vector<std::string> log;
  std::mutex log_mu;
  OpenAIOptions o = FastOptions(server.url(), &log, &log_mu);
  o.cache_path = dir + "/cache.sqlite";
  std::string messages;
  {
    auto m = OpenOpenAIModel(o);
    ASSERT_TRUE(m.ok());
    auto ok = (*m)->Generate(Prompt("a", "hello"));  // 500 quoting the key, then 200 quoting it
    ASSERT_TRUE(ok.ok()) << ok.status().ToString();
    messages += ok->text;
    auto bad = (*m)->Generate(Prompt("b", "other"));  // 400 quoting the key
    ASSERT_FALSE(bad.ok());
    messages += bad.status().ToString() + (*m)->info().description + (*m)->info().spec;
  }
  const auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_NE(reqs[0].headers.find(std::string("Authorization: Bearer ") + kKey), std::string::npos);
  for (const auto& q : reqs) EXPECT_EQ(q.body.find(kKey), std::string::npos);
  ASSERT_FALSE(log.empty());
  for (const auto& line : log) messages += line;
  EXPECT_EQ(messages.find(kKey), std::string::npos) << messages;
  EXPECT_NE(messages.find("Bearer [redacted]"), std::string::npos) << messages;
  // Every file written (the cache database and its journal) is free of the key.
  const std::string files = AllFilesUnder(dir);
  EXPECT_NE(files.find("cache.sqlite"), std::string::npos);
  EXPECT_EQ(files.find(kKey), std::string::npos);
  ::unsetenv(kKeyVar);
}

TEST(OpenAIAdapter, CacheAnswersRepeatsWithoutHttpAndNeverStoresErrors) {
  std::atomic<int> fail_next{1};
  FakeHttpServer server([&](int, const FakeRequest&) {
    if (fail_next.exchange(0) == 1) {
      return FakeReply{Kind::kRespond, 400, R"({"error":{"message":"transient"}})", {}, 0};
    }
    return FakeReply{Kind::kRespond, 200, CompletionBody(" 4"), {}, 0};
  });
  const std::string dir = rwkv::testing::TempDir("openai_cache");
  std::vector<std::string> log;
  std::mutex log_mu;
  OpenAIOptions o = FastOptions(server.url(), &log, &log_mu);
  o.cache_path = dir + "/responses.sqlite";
  {
    auto m = OpenOpenAIModel(o);
    ASSERT_TRUE(m.ok());
    EXPECT_FALSE((*m)->Generate(Prompt("a", "2+2=")).ok());  // the error is not cached
    auto first = (*m)->Generate(Prompt("a", "2+2="));
    ASSERT_TRUE(first.ok()) << first.status().ToString();
    EXPECT_FALSE(first->cached);
    EXPECT_EQ(server.requests().size(), 2u);
  }
  {  // A second run: same request, no HTTP.
    auto m = OpenOpenAIModel(o);
    ASSERT_TRUE(m.ok());
    auto again = (*m)->Generate(Prompt("a", "2+2="));
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(again->cached);
    EXPECT_EQ(again->text, " 4");
    EXPECT_EQ(server.requests().size(), 2u);
    // A different request is a miss.
    GenerateRequest other = Prompt("a", "2+2=");
    other.params.max_tokens = 9;
    EXPECT_FALSE((*m)->Generate(other)->cached);
    EXPECT_EQ(server.requests().size(), 3u);
  }
  {  // --no-cache: "" bypasses the cache.
    o.cache_path = "";
    auto m = OpenOpenAIModel(o);
    ASSERT_TRUE(m.ok());
    auto fresh = (*m)->Generate(Prompt("a", "2+2="));
    ASSERT_TRUE(fresh.ok());
    EXPECT_FALSE(fresh->cached);
    EXPECT_EQ(server.requests().size(), 4u);
  }
}

TEST(OpenAIAdapter, KeepsConcurrencyRequestsInFlight) {
  for (int concurrency : {1, 4}) {
    FakeHttpServer server([&](int, const FakeRequest&) {
      return FakeReply{Kind::kRespond, 200, CompletionBody("x"), {}, 150};
    });
    std::vector<std::string> log;
    std::mutex log_mu;
    OpenAIOptions o = FastOptions(server.url(), &log, &log_mu);
    o.concurrency = concurrency;
    o.timeout_seconds = 5;
    auto m = OpenOpenAIModel(o);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ((*m)->capabilities().max_parallel, concurrency);
    std::vector<std::thread> callers;
    std::atomic<int> ok{0};
    for (int i = 0; i < 8; ++i) {
      callers.emplace_back([&, i] {
        if ((*m)->Generate(Prompt(std::to_string(i), "p" + std::to_string(i))).ok()) ++ok;
      });
    }
    for (auto& t : callers) t.join();
    EXPECT_EQ(ok, 8);
    EXPECT_EQ(server.max_in_flight(), concurrency);
  }
}

TEST(OpenAIAdapter, RequestsPerMinuteSpacesRequests) {
  FakeHttpServer server([&](int, const FakeRequest&) {
    return FakeReply{Kind::kRespond, 200, CompletionBody("x"), {}, 0};
  });
  std::vector<std::string> log;
  std::mutex log_mu;
  OpenAIOptions o = FastOptions(server.url(), &log, &log_mu);
  o.requests_per_minute = 600;  // one every 100 ms
  o.concurrency = 4;
  auto m = OpenOpenAIModel(o);
  ASSERT_TRUE(m.ok());
  std::vector<std::thread> callers;
  for (int i = 0; i < 4; ++i) {
    callers.emplace_back([&, i] { (*m)->Generate(Prompt("r", "q" + std::to_string(i))); });
  }
  for (auto& t : callers) t.join();
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 4u);
  std::sort(reqs.begin(), reqs.end(),
            [](const FakeRequest& a, const FakeRequest& b) { return a.arrived < b.arrived; });
  for (size_t i = 1; i < reqs.size(); ++i) {
    EXPECT_GE(reqs[i].arrived - reqs[i - 1].arrived, std::chrono::milliseconds(90));
  }
}

TEST(OpenAIAdapter, ChatRequestsCarryMessagesAndStopIsApplied) {
  FakeHttpServer server([&](int, const FakeRequest&) {
    return FakeReply{Kind::kRespond,
                     200,
                     R"({"choices":[{"message":{"role":"assistant","content":"Paris.\nUser: more"},
                         "finish_reason":"length"}],"usage":{"prompt_tokens":5,"completion_tokens":6,"total_tokens":11}})",
                     {},
                     0};
  });
  std::vector<std::string> log;
  std::mutex log_mu;
  auto m = OpenOpenAIModel(FastOptions(server.url() + "/v1/", &log, &log_mu));
  ASSERT_TRUE(m.ok());
  GenerateRequest r;
  r.messages = {{"system", "Be brief."}, {"user", "Capital of France?"}};
  r.params.stop = {"\nUser:"};
  auto out = (*m)->Generate(r);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->text, "Paris.");  // a server that ignores stop strings is cut locally
  EXPECT_EQ(out->finish_reason, "stop");
  EXPECT_EQ(out->output_tokens, 6);
  const auto q = server.requests().at(0);
  EXPECT_EQ(q.request_line, "POST /v1/chat/completions HTTP/1.1");
  const auto body = nlohmann::json::parse(q.body);
  EXPECT_EQ(body["messages"][0]["role"], "system");
  EXPECT_EQ(body["messages"][1]["content"], "Capital of France?");
  EXPECT_EQ(body["stop"][0], "\nUser:");
}

TEST(OpenAIAdapter, OddlyShapedResponsesGiveErrorsNotExceptions) {
  const std::string bodies[] = {
      // null and wrong-typed usage and finish_reason: tolerated
      R"({"choices":[{"text":"x","finish_reason":null}],"usage":{"prompt_tokens":null,"total_tokens":"many"}})",
      // no choices: an error of the item
      R"({"choices":[]})",
      // echo without usable offsets: offsets recomputed from the token texts
      R"({"choices":[{"text":"ab c","logprobs":{"tokens":["ab"," c"],"token_logprobs":[null,-0.5],
          "text_offset":[null,"2"],"top_logprobs":null}}]})",
      // a token that is not a string
      R"({"choices":[{"text":"ab c","logprobs":{"tokens":["ab",7],"token_logprobs":[null,-0.5]}}]})",
  };
  FakeHttpServer server([&](int i, const FakeRequest&) {
    return FakeReply{Kind::kRespond, 200, bodies[std::min(i, 3)], {}, 0};
  });
  std::vector<std::string> log;
  std::mutex log_mu;
  auto m = OpenOpenAIModel(FastOptions(server.url(), &log, &log_mu));
  ASSERT_TRUE(m.ok());
  auto first = (*m)->Generate(Prompt("a", "p"));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->text, "x");
  EXPECT_EQ(first->prompt_tokens, 0);
  EXPECT_EQ(first->finish_reason, "");
  auto empty = (*m)->Generate(Prompt("b", "p"));
  EXPECT_EQ(empty.status().code(), StatusCode::kCorruption) << empty.status().ToString();
  auto ll = (*m)->Loglikelihood({"c", "", "ab", " c"});
  ASSERT_TRUE(ll.ok()) << ll.status().ToString();
  EXPECT_DOUBLE_EQ(ll->logprob, -0.5);
  EXPECT_FALSE(ll->is_greedy);  // no top log-probabilities to tell
  EXPECT_FALSE((*m)->Loglikelihood({"d", "", "ab", " c"}).ok());
  EXPECT_EQ(server.requests().size(), 4u);  // none of these is retried
}

TEST(OpenAIAdapter, OpeningChecksNameUrlAndKey) {
  OpenAIOptions o;
  o.api_key_env = "RWKV_EVAL_TEST_UNSET_KEY";
  ::unsetenv("RWKV_EVAL_TEST_UNSET_KEY");
  o.model = "";
  EXPECT_EQ(OpenOpenAIModel(o).status().code(), StatusCode::kInvalidArgument);
  o.model = "gpt-x";
  auto no_key = OpenOpenAIModel(o);  // the default URL is OpenAI's, which needs a key
  EXPECT_EQ(no_key.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(no_key.status().message().find("$RWKV_EVAL_TEST_UNSET_KEY"), std::string::npos);
  o.base_url = "ftp://example";
  EXPECT_EQ(OpenOpenAIModel(o).status().code(), StatusCode::kInvalidArgument);
  o.base_url = "http://127.0.0.1:9";  // a local server may have no key
  auto m = OpenOpenAIModel(o);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ((*m)->info().spec, "openai:gpt-x");
  EXPECT_EQ((*m)->info().kind, "openai");
  EXPECT_TRUE((*m)->capabilities().loglikelihood);
  EXPECT_FALSE((*m)->capabilities().rolling);
}

}  // namespace
}  // namespace rwkv::adapters
