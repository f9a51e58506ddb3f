// `serve` the tiny model in-process on 127.0.0.1 and call it through the OpenAI adapter: the
// answers must be the built-in adapter's.
#include <gtest/gtest.h>

#include <thread>

#include "rwkv/adapters/builtin_adapter.h"
#include "rwkv/adapters/openai_adapter.h"
#include "rwkv/adapters/openai_server.h"
#include "shared_data.h"

namespace rwkv::adapters {
namespace {

std::string TinyModel() { return testing::SharedPath("models/tiny/tiny-rwkv-7v0-834K-FP32.bin"); }

class ServedTinyModel : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::SharedDir().empty()) GTEST_SKIP() << "reference data not found";
    ServerOptions so;
    so.port = 0;
    so.model_id = "tiny";
    auto s = BindModelServer(TinyModel(), {}, so);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
    runner_ = std::thread([this] { EXPECT_TRUE(server_->Run().ok()); });
    auto b = OpenBuiltinModel(TinyModel(), {});
    ASSERT_TRUE(b.ok());
    builtin_ = std::move(*b);
    OpenAIOptions o;
    o.model = "tiny";
    o.base_url = "http://127.0.0.1:" + std::to_string(server_->port());
    o.timeout_seconds = 30;
    o.max_retries = 0;
    auto r = OpenOpenAIModel(o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    remote_ = std::move(*r);
  }
  void TearDown() override {
    remote_.reset();  // closes its kept-alive connections first
    if (server_) server_->Stop();
    if (runner_.joinable()) runner_.join();
  }

  std::unique_ptr<OpenAIServer> server_;
  std::thread runner_;
  std::unique_ptr<ModelAdapter> builtin_, remote_;
};

TEST_F(ServedTinyModel, GreedyAnswersEqualTheBuiltinAdapters) {
  const std::vector<GenerateRequest> requests = [] {
    std::vector<GenerateRequest> v;
    for (const char* p : {"The quick brown", "Once upon a time", "Q: What is 2+2?\nA:", "\n"}) {
      GenerateRequest r;
      r.item_id = p;
      r.prompt = p;
      r.params.max_tokens = 24;
      v.push_back(r);
    }
    v[1].prefix = "Story. ";  // a shared prefix is part of the prompt
    v[2].params.stop = {"\n", " the"};
    GenerateRequest chat;
    chat.item_id = "chat";
    chat.messages = {{"system", "You are terse."}, {"user", "Name a colour."}};
    chat.params.max_tokens = 16;
    chat.params.stop = {"\n\nUser:"};  // the server's chat default, made explicit for both
    v.push_back(chat);
    return v;
  }();
  for (const GenerateRequest& r : requests) {
    auto want = builtin_->Generate(r);
    auto got = remote_->Generate(r);
    ASSERT_TRUE(want.ok()) << want.status().ToString();
    ASSERT_TRUE(got.ok()) << r.item_id << ": " << got.status().ToString();
    EXPECT_EQ(got->text, want->text) << r.item_id;
    EXPECT_EQ(got->finish_reason, want->finish_reason) << r.item_id;
    EXPECT_EQ(got->output_tokens, want->output_tokens) << r.item_id;
  }
}

TEST_F(ServedTinyModel, LoglikelihoodsAgreeWithTheBuiltinAdapter) {
  const std::vector<LoglikelihoodRequest> requests = {
      {"a", "", "The quick brown", " fox"},
      {"b", "Question: colour of the sky?\n", "Answer:", " blue"},
      {"c", "Question: colour of the sky?\n", "Answer:", " green"},
      {"d", "", "x", "yz and a longer continuation with several words."},
      {"e", "", "Hello", " "},
  };
  for (const auto& r : requests) {
    auto want = builtin_->Loglikelihood(r);
    auto got = remote_->Loglikelihood(r);
    ASSERT_TRUE(want.ok());
    ASSERT_TRUE(got.ok()) << r.item_id << ": " << got.status().ToString();
    EXPECT_NEAR(got->logprob, want->logprob, 1e-4) << r.item_id;
    EXPECT_EQ(got->n_tokens, want->n_tokens) << r.item_id;
    EXPECT_EQ(got->is_greedy, want->is_greedy) << r.item_id;
  }
  // Without context the API has no log-probability for the first token: unsupported, not a
  // guessed score.
  auto empty = remote_->Loglikelihood({"f", "", "", "Hello"});
  EXPECT_EQ(empty.status().code(), StatusCode::kUnsupported);
  EXPECT_EQ(remote_->LoglikelihoodRolling("g", "Hello").status().code(), StatusCode::kUnsupported);
}

}  // namespace
}  // namespace rwkv::adapters
