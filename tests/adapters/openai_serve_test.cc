// `serve` on 127.0.0.1: OpenAI response shapes, echo + logprobs against the engine's own
// logits, server-sent events, authentication, limits, many clients at once, clean stop.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <cmath>
#include <nlohmann/json.hpp>
#include <thread>

#include "rwkv/adapters/openai_server.h"
#include "rwkv/forward.h"
#include "shared_data.h"

namespace rwkv::adapters {
namespace {

using nlohmann::json;

std::string TinyModel() { return testing::SharedPath("models/tiny/tiny-rwkv-7v0-834K-FP32.bin"); }

class Serve : public ::testing::Test {
 protected:
  void Start(ServerOptions so) {
    so.port = 0;
    so.model_id = "tiny";
    auto s = BindModelServer(TinyModel(), {}, so);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
    runner_ = std::thread([this] { EXPECT_TRUE(server_->Run().ok()); });
  }
  void SetUp() override {
    if (testing::SharedDir().empty()) GTEST_SKIP() << "reference data not found";
  }
  void TearDown() override {
    if (server_) server_->Stop();
    if (runner_.joinable()) runner_.join();
  }
  httplib::Client Client() {
    httplib::Client c("127.0.0.1", server_->port());
    c.set_read_timeout(30, 0);
    return c;
  }
  // POSTs `body`; returns {status, parsed body}.
  std::pair<int, json> Post(const std::string& path, const std::string& body,
                            const httplib::Headers& headers = {}) {
    auto c = Client();
    auto res = c.Post(path.c_str(), headers, body, "application/json");
    if (!res) return {0, json()};
    json j;
    try {
      j = json::parse(res->body);
    } catch (const json::exception&) {
    }
    return {res->status, j};
  }

  std::unique_ptr<OpenAIServer> server_;
  std::thread runner_;
};

// log softmax of every byte of `text` after the one before it, straight from Forward (an
// independent computation of what echo + logprobs must report).
std::vector<double> EngineLogprobs(const std::string& text) {
  auto model = Model::Load(TinyModel());
  EXPECT_TRUE(model.ok());
  std::vector<int32_t> ids;
  for (unsigned char c : text) ids.push_back(c);
  State s = State::Initial(**model);
  std::vector<float> logits;
  EXPECT_TRUE(Forward(**model, &s, ids, LogitsMode::kAll, &logits).ok());
  std::vector<double> out;
  for (size_t i = 1; i < ids.size(); ++i) {
    const float* row = logits.data() + (i - 1) * 256;
    double mx = -1e30, sum = 0;
    for (int v = 0; v < 256; ++v) mx = std::max(mx, static_cast<double>(row[v]));
    for (int v = 0; v < 256; ++v) sum += std::exp(row[v] - mx);
    out.push_back(row[ids[i]] - mx - std::log(sum));
  }
  return out;
}

TEST_F(Serve, ModelsAndCompletionShapes) {
  Start({});
  auto c = Client();
  auto models = c.Get("/v1/models");
  ASSERT_TRUE(models);
  EXPECT_EQ(models->status, 200);
  const json m = json::parse(models->body);
  EXPECT_EQ(m["data"][0]["id"], "tiny");

  auto [status, r] = Post(
      "/v1/completions", R"({"model":"tiny","prompt":"The quick","max_tokens":5,"temperature":0})");
  ASSERT_EQ(status, 200) << r.dump();
  EXPECT_EQ(r["object"], "text_completion");
  EXPECT_EQ(r["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(r["usage"]["prompt_tokens"], 9);
  EXPECT_EQ(r["usage"]["completion_tokens"], 5);
  // Token-id prompts are the same prompt.
  auto [status2, r2] =
      Post("/v1/completions",
           R"({"prompt":[84,104,101,32,113,117,105,99,107],"max_tokens":5,"temperature":0})");
  ASSERT_EQ(status2, 200);
  EXPECT_EQ(r2["choices"][0]["text"], r["choices"][0]["text"]);

  auto [status3, chat] =
      Post("/v1/chat/completions",
           R"({"messages":[{"role":"user","content":"Hi"}],"max_tokens":4,"temperature":0})");
  ASSERT_EQ(status3, 200) << chat.dump();
  EXPECT_EQ(chat["object"], "chat.completion");
  EXPECT_EQ(chat["choices"][0]["message"]["role"], "assistant");
  EXPECT_TRUE(chat["choices"][0]["message"]["content"].is_string());
  EXPECT_EQ(chat["usage"]["prompt_tokens"], std::string("User: Hi\n\nAssistant:").size());
}

// Prompts sharing a 300-byte beginning: the second is evaluated from the cached state after the
// shared 256 (two 128-token chunks), and every answer equals a server without the cache's.
TEST_F(Serve, PrefixCacheSkipsASharedBeginningWithTheSameAnswers) {
  std::string shared;
  while (shared.size() < 300) shared += "Question: what comes after 41? Answer: 42. ";
  shared.resize(300);
  const std::vector<std::string> prompts = {
      shared + "First:", shared + "Second:", shared + "First:", "Unrelated prompt:"};
  auto answers = [&](ServerOptions so) {
    Start(so);
    std::vector<std::string> texts;
    for (const std::string& p : prompts) {
      const json req = {{"prompt", p}, {"max_tokens", 24}, {"temperature", 0}};
      auto [status, r] = Post("/v1/completions", req.dump());
      EXPECT_EQ(status, 200) << r.dump();
      texts.push_back(status == 200 ? r["choices"][0]["text"].get<std::string>() : "");
    }
    const uint64_t hits = server_->prefix_cache_hit_tokens();
    TearDown();
    server_.reset();
    return std::make_pair(texts, hits);
  };
  ServerOptions off;
  off.prefix_cache_bytes = 0;
  const auto [plain, no_hits] = answers(off);
  const auto [cached, hits] = answers(ServerOptions());
  EXPECT_EQ(no_hits, 0u);
  // The 2nd and 3rd prompts each start with 256 cached tokens (byte-level model: 1 byte = 1
  // token); the 3rd could also reuse the 1st's own 256-token boundary, which is the same.
  EXPECT_EQ(hits, 2u * 256u);
  EXPECT_EQ(cached, plain);
  for (const std::string& t : cached) EXPECT_FALSE(t.empty());
}

TEST_F(Serve, EchoLogprobsAreThePromptTokensLogprobs) {
  Start({});
  const std::string text = "Hello world, this is RWKV.";
  auto [status, r] =
      Post("/v1/completions",
           json{{"prompt", text}, {"max_tokens", 0}, {"echo", true}, {"logprobs", 3}}.dump());
  ASSERT_EQ(status, 200) << r.dump();
  const json& lp = r["choices"][0]["logprobs"];
  EXPECT_EQ(r["choices"][0]["text"], text);
  ASSERT_EQ(lp["tokens"].size(), text.size());
  EXPECT_TRUE(lp["token_logprobs"][0].is_null());  // as in the OpenAI API
  const std::vector<double> want = EngineLogprobs(text);
  for (size_t i = 1; i < text.size(); ++i) {
    EXPECT_EQ(lp["tokens"][i], std::string(1, text[i]));
    EXPECT_EQ(lp["text_offset"][i], i);
    EXPECT_NEAR(lp["token_logprobs"][i].get<double>(), want[i - 1], 1e-4) << i;
    ASSERT_EQ(lp["top_logprobs"][i].size(), 3u);
    double best = -1e30;
    for (const auto& kv : lp["top_logprobs"][i].items())
      best = std::max(best, kv.value().get<double>());
    EXPECT_LE(lp["token_logprobs"][i].get<double>(), best + 1e-12);
  }
}

// The request lm-evaluation-harness's local-completions sends for log-likelihoods: a batch of
// token-id prompts, max_tokens 1, echo + logprobs 1; choices come back in prompt order.
TEST_F(Serve, BatchedTokenIdPromptsAsLmEvalSendsThem) {
  Start({});
  const std::string a = "The cat sat", b = "On the mat";
  json ids_a = json::array(), ids_b = json::array();
  for (unsigned char c : a) ids_a.push_back(c);
  for (unsigned char c : b) ids_b.push_back(c);
  auto [status, r] = Post("/v1/completions", json{{"model", "tiny"},
                                                  {"prompt", {ids_a, ids_b}},
                                                  {"max_tokens", 1},
                                                  {"temperature", 0},
                                                  {"logprobs", 1},
                                                  {"echo", true},
                                                  {"seed", 1234}}
                                                 .dump());
  ASSERT_EQ(status, 200) << r.dump();
  ASSERT_EQ(r["choices"].size(), 2u);
  const std::vector<double> want_b = EngineLogprobs(b);
  const json& c1 = r["choices"][1];
  EXPECT_EQ(c1["index"], 1);
  EXPECT_EQ(c1["text"].get<std::string>().substr(0, b.size()), b);
  ASSERT_EQ(c1["logprobs"]["token_logprobs"].size(), b.size() + 1);  // + the generated token
  for (size_t i = 1; i < b.size(); ++i) {
    EXPECT_NEAR(c1["logprobs"]["token_logprobs"][i].get<double>(), want_b[i - 1], 1e-4);
  }
  EXPECT_EQ(r["choices"][0]["text"].get<std::string>().substr(0, a.size()), a);
  EXPECT_EQ(r["usage"]["prompt_tokens"], a.size() + b.size());
}

// Parses a server-sent event stream into its data payloads.
std::vector<std::string> SseData(const std::string& stream) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < stream.size()) {
    const size_t end = stream.find("\n\n", pos);
    if (end == std::string::npos) break;
    const std::string event = stream.substr(pos, end - pos);
    if (event.rfind("data: ", 0) == 0) out.push_back(event.substr(6));
    pos = end + 2;
  }
  return out;
}

TEST_F(Serve, StreamingSendsTheSameTextAsServerSentEvents) {
  Start({});
  for (const bool chat : {false, true}) {
    json req = {{"max_tokens", 30}, {"temperature", 0}, {"stop", {"the t"}}};
    if (chat) {
      req["messages"] = {{{"role", "user"}, {"content", "Tell me a story"}}};
    } else {
      req["prompt"] = "Once upon a time";
    }
    const std::string path = chat ? "/v1/chat/completions" : "/v1/completions";
    auto [status, whole] = Post(path, req.dump());
    ASSERT_EQ(status, 200);
    req["stream"] = true;
    auto c = Client();
    std::string stream;
    auto res = c.Post(path.c_str(), req.dump(), "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->get_header_value("Content-Type"), "text/event-stream");
    const std::vector<std::string> events = SseData(res->body);
    ASSERT_GE(events.size(), 3u);
    EXPECT_EQ(events.back(), "[DONE]");
    std::string text, finish;
    for (size_t i = 0; i + 1 < events.size(); ++i) {
      const json e = json::parse(events[i]);
      const json& ch = e["choices"][0];
      if (chat) {
        EXPECT_EQ(e["object"], "chat.completion.chunk");
        text += ch["delta"].value("content", "");
      } else {
        text += ch["text"].get<std::string>();
      }
      if (ch["finish_reason"].is_string()) finish = ch["finish_reason"];
    }
    const std::string want = chat ? whole["choices"][0]["message"]["content"].get<std::string>()
                                  : whole["choices"][0]["text"].get<std::string>();
    EXPECT_EQ(text, want) << (chat ? "chat" : "completion");
    EXPECT_EQ(finish, whole["choices"][0]["finish_reason"]);
  }
}

TEST_F(Serve, RejectsMissingOrWrongKey) {
  ServerOptions so;
  so.api_key = "local-secret-123";
  Start(so);
  const std::string body = R"({"prompt":"hi","max_tokens":1})";
  EXPECT_EQ(Post("/v1/completions", body).first, 401);
  EXPECT_EQ(Post("/v1/completions", body, {{"Authorization", "Bearer wrong"}}).first, 401);
  EXPECT_EQ(Post("/v1/completions", body, {{"Authorization", "Bearer local-secret-12"}}).first,
            401);
  auto [status, err] = Post("/v1/completions", body, {{"Authorization", "local-secret-123"}});
  EXPECT_EQ(status, 401);
  EXPECT_EQ(err["error"]["type"], "authentication_error");
  EXPECT_EQ(err.dump().find("local-secret-123"), std::string::npos);
  EXPECT_EQ(Post("/v1/completions", body, {{"Authorization", "Bearer local-secret-123"}}).first,
            200);
  auto c = Client();
  auto models = c.Get("/v1/models");
  ASSERT_TRUE(models);
  EXPECT_EQ(models->status, 401);
}

TEST_F(Serve, LimitsAndMalformedRequestsGetClear4xx) {
  ServerOptions so;
  so.max_request_bytes = 2000;
  so.max_tokens_limit = 64;
  Start(so);
  const auto expect_error = [&](const std::string& path, const std::string& body, int want,
                                const std::string& words) {
    auto [status, err] = Post(path, body);
    EXPECT_EQ(status, want) << body.substr(0, 80);
    ASSERT_TRUE(err.contains("error")) << err.dump();
    EXPECT_NE(err["error"]["message"].get<std::string>().find(words), std::string::npos)
        << err.dump();
  };
  expect_error("/v1/completions", json{{"prompt", std::string(5000, 'a')}}.dump(), 413,
               "2000 bytes");
  expect_error("/v1/completions", R"({"prompt":"a","max_tokens":65})", 400, "limit of 64");
  expect_error("/v1/completions", R"({"prompt":"a","max_tokens":-1})", 400, "max_tokens");
  expect_error("/v1/completions", R"({"prompt":"a",)", 400, "not valid JSON");
  expect_error("/v1/completions", R"([1,2])", 400, "JSON object");
  expect_error("/v1/completions", R"({"max_tokens":2})", 400, "prompt");
  expect_error("/v1/completions", R"({"prompt":[1,999]})", 400, "token ids");
  expect_error("/v1/completions", R"({"prompt":"a","temperature":"hot"})", 400, "wrong type");
  expect_error("/v1/completions", R"({"prompt":"a","n":2})", 400, "n = 1");
  expect_error("/v1/completions", R"({"prompt":"a","model":"gpt-9"})", 404, "gpt-9");
  expect_error("/v1/chat/completions", R"({"messages":[]})", 400, "messages");
  expect_error("/v1/chat/completions", R"({"messages":[{"role":"wizard","content":"x"}]})", 400,
               "wizard");
  expect_error("/v1/embeddings", R"({})", 404, "no endpoint");
  // Still serving afterwards.
  EXPECT_EQ(Post("/v1/completions", R"({"prompt":"a","max_tokens":2})").first, 200);
}

TEST_F(Serve, TwoHundredConcurrentClientsAllSucceed) {
  Start({});
  constexpr int kClients = 200;
  std::atomic<int> ok{0};
  std::mutex mu;
  std::string failure;  // one of the failures, if any
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      httplib::Client c("127.0.0.1", server_->port());
      c.set_read_timeout(60, 0);
      c.set_connection_timeout(30, 0);
      const json body = {{"prompt", "Client " + std::to_string(i) + " says"},
                         {"max_tokens", 4},
                         {"temperature", 0}};
      auto res = c.Post("/v1/completions", body.dump(), "application/json");
      if (res && res->status == 200 &&
          json::parse(res->body)["choices"][0]["text"].get<std::string>().size() > 0) {
        ++ok;
      } else {
        std::lock_guard<std::mutex> lock(mu);
        failure = res ? "HTTP " + std::to_string(res->status) : httplib::to_string(res.error());
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok, kClients) << failure;
}

TEST_F(Serve, StopEndsRunPromptly) {
  Start({});
  EXPECT_EQ(Post("/v1/completions", R"({"prompt":"a","max_tokens":1})").first, 200);
  const auto t0 = std::chrono::steady_clock::now();
  server_->Stop();
  runner_.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  auto c = Client();
  c.set_connection_timeout(1, 0);
  EXPECT_FALSE(c.Get("/v1/models"));
}

}  // namespace
}  // namespace rwkv::adapters
