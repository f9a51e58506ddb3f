// Generation on the tiny byte-level models: greedy decoding against an independent argmax loop,
// stop strings split across tokens, streaming, end-of-text, seeding.
#include "rwkv/generate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "rwkv/model.h"
#include "shared_data.h"

namespace rwkv {
namespace {

std::shared_ptr<const Model> LoadTiny(const std::string& name) {
  auto m = Model::Load(testing::SharedPath("models/tiny/" + name + ".bin"));
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return m.ok() ? *m : nullptr;
}

// The state and logits after `prompt`.
struct Primed {
  State state;
  std::vector<float> logits;
};
Primed Prime(const Model& m, const std::string& prompt) {
  Primed p{State::Initial(m), {}};
  std::vector<int32_t> ids(prompt.begin(), prompt.end());
  EXPECT_TRUE(Forward(m, &p.state, ids, LogitsMode::kLast, &p.logits).ok());
  return p;
}

const char kPrompt[] = "The quick brown fox";

GenerateOutput GenerateAfter(const Model& m, const Tokenizer& tok, GenerateOptions o,
                             const std::string& prompt = kPrompt) {
  Primed p = Prime(m, prompt);
  auto out = Generate(m, tok, &p.state, p.logits, o);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return out.ok() ? *out : GenerateOutput{};
}

TEST(GenerateTest, GreedyEqualsArgmaxOfForwardStepByStep) {
  REQUIRE_SHARED();
  for (const char* name : {"tiny-rwkv-4v0-660K-FP32", "tiny-rwkv-7v0-834K-FP32"}) {
    auto m = LoadTiny(name);
    ASSERT_TRUE(m);
    auto tok = MakeByteTokenizer();
    // Independent loop: argmax of the logits, fed back one token at a time.
    Primed p = Prime(*m, kPrompt);
    std::vector<int32_t> expected;
    for (int i = 0; i < 40; ++i) {
      const int32_t id = static_cast<int32_t>(std::max_element(p.logits.begin(), p.logits.end()) -
                                              p.logits.begin());
      expected.push_back(id);
      ASSERT_TRUE(Forward(*m, &p.state, {id}, LogitsMode::kLast, &p.logits).ok());
    }
    GenerateOptions o;
    o.max_tokens = 40;
    o.end_of_text = -1;
    Primed q = Prime(*m, kPrompt);
    auto out = Generate(*m, *tok, &q.state, q.logits, o);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    EXPECT_EQ(out->tokens, expected) << name;
    EXPECT_EQ(out->text, std::string(expected.begin(), expected.end()));
    EXPECT_EQ(out->finish_reason, "length");
    // The state has advanced over exactly the generated tokens.
    EXPECT_EQ(q.state.data(), p.state.data()) << name;
  }
}

TEST(GenerateTest, StopStringSplitAcrossTokensEndsGeneration) {
  REQUIRE_SHARED();
  auto m = LoadTiny("tiny-rwkv-7v0-834K-FP32");
  ASSERT_TRUE(m);
  auto tok = MakeByteTokenizer();
  GenerateOptions o;
  o.max_tokens = 60;
  o.end_of_text = -1;
  const std::string full = GenerateAfter(*m, *tok, o).text;
  ASSERT_GE(full.size(), 30u);
  // Every byte is its own token, so a 3-byte stop string spans three tokens.
  const std::string stop = full.substr(20, 3);
  const size_t at = full.find(stop);
  std::string streamed;
  o.stop = {"never-generated-stop-string", stop};
  o.on_text = [&](const std::string& piece) {
    streamed += piece;
    return true;
  };
  const GenerateOutput out = GenerateAfter(*m, *tok, o);
  EXPECT_EQ(out.text, full.substr(0, at));
  EXPECT_EQ(out.finish_reason, "stop");
  EXPECT_EQ(out.tokens.size(), at + stop.size());  // the tokens that formed the stop string
  EXPECT_EQ(streamed, out.text);                   // nothing of the stop string was streamed
}

TEST(GenerateTest, StreamingConcatenatesToTheTextAndStopsOnRequest) {
  REQUIRE_SHARED();
  auto m = LoadTiny("tiny-rwkv-5v2-730K-FP32");
  ASSERT_TRUE(m);
  auto tok = MakeByteTokenizer();
  GenerateOptions o;
  o.max_tokens = 30;
  o.end_of_text = -1;
  std::vector<std::string> pieces;
  o.on_text = [&](const std::string& piece) {
    pieces.push_back(piece);
    return true;
  };
  const GenerateOutput out = GenerateAfter(*m, *tok, o);
  std::string joined;
  for (const auto& s : pieces) joined += s;
  EXPECT_EQ(joined, out.text);
  EXPECT_EQ(out.tokens.size(), 30u);

  int calls = 0;
  o.on_text = [&](const std::string&) { return ++calls < 5; };
  const GenerateOutput early = GenerateAfter(*m, *tok, o);
  EXPECT_EQ(early.finish_reason, "callback");
  EXPECT_EQ(calls, 5);
  EXPECT_LT(early.tokens.size(), 30u);
}

// A tokenizer whose tokens above 127 are halves of "é" (0xC3 0xA9): a streamed piece must never
// end between the two bytes of a complete "é".
class HalfCharTokenizer : public Tokenizer {
 public:
  std::string name() const override { return "half-char"; }
  int vocab_size() const override { return 256; }
  std::vector<int32_t> Encode(std::string_view) const override { return {}; }
  std::string TokenBytes(int32_t id) const override {
    if (id < 128) return std::string(1, static_cast<char>(id));
    return id % 2 ? "\xA9" : "\xC3";
  }
};

TEST(GenerateTest, StreamedPiecesNeverEndInsideAUtf8Character) {
  REQUIRE_SHARED();
  auto m = LoadTiny("tiny-rwkv-4v0-660K-FP32");
  ASSERT_TRUE(m);
  HalfCharTokenizer tok;
  GenerateOptions o;
  o.max_tokens = 200;
  o.end_of_text = -1;
  o.sampling.temperature = 3.0f;  // flat enough to produce many bytes >= 128
  o.sampling.seed = 3;
  std::vector<std::string> pieces;
  o.on_text = [&](const std::string& piece) {
    pieces.push_back(piece);
    return true;
  };
  const GenerateOutput out = GenerateAfter(*m, tok, o);
  int high = 0;
  for (int32_t id : out.tokens) high += id >= 128;
  EXPECT_GT(high, 10) << "the test needs generated tokens above 127";
  EXPECT_NE(out.text.find("\xC3\xA9"), std::string::npos) << "the test needs a whole \"é\"";
  std::string joined;
  for (size_t i = 0; i < pieces.size(); ++i) {
    joined += pieces[i];
    if (i + 1 < pieces.size()) {
      EXPECT_FALSE(pieces[i].back() == '\xC3' && pieces[i + 1].front() == '\xA9')
          << "pieces " << i << " and " << i + 1 << " split a character";
    }
  }
  EXPECT_EQ(joined, out.text);
}

TEST(GenerateTest, EndOfTextTokenEndsGenerationAndIsNotReturned) {
  REQUIRE_SHARED();
  auto m = LoadTiny("tiny-rwkv-7v0-834K-FP32");
  ASSERT_TRUE(m);
  auto tok = MakeByteTokenizer();
  GenerateOptions o;
  o.max_tokens = 20;
  o.end_of_text = -1;
  const GenerateOutput free_run = GenerateAfter(*m, *tok, o);
  ASSERT_GE(free_run.tokens.size(), 5u);
  o.end_of_text = free_run.tokens[4];
  const size_t first =
      static_cast<size_t>(std::find(free_run.tokens.begin(), free_run.tokens.end(), o.end_of_text) -
                          free_run.tokens.begin());
  const GenerateOutput out = GenerateAfter(*m, *tok, o);
  EXPECT_EQ(out.finish_reason, "stop");
  EXPECT_EQ(out.tokens,
            std::vector<int32_t>(free_run.tokens.begin(), free_run.tokens.begin() + first));
}

TEST(GenerateTest, SameSeedSameTextDifferentSeedsUsuallyDiffer) {
  REQUIRE_SHARED();
  auto m = LoadTiny("tiny-rwkv-7v0-834K-FP32");
  ASSERT_TRUE(m);
  auto tok = MakeByteTokenizer();
  GenerateOptions o;
  o.max_tokens = 40;
  o.end_of_text = -1;
  o.sampling.temperature = 1.0f;
  o.sampling.top_p = 0.9f;
  o.sampling.presence_penalty = 0.2f;
  o.sampling.frequency_penalty = 0.2f;
  o.sampling.seed = 42;
  const std::string a = GenerateAfter(*m, *tok, o).text;
  EXPECT_EQ(GenerateAfter(*m, *tok, o).text, a);
  int differing = 0;
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    o.sampling.seed = seed;
    differing += GenerateAfter(*m, *tok, o).text != a;
  }
  EXPECT_GE(differing, 3);
}

TEST(GenerateTest, WrongLogitSizeIsAnError) {
  REQUIRE_SHARED();
  auto m = LoadTiny("tiny-rwkv-7v0-834K-FP32");
  ASSERT_TRUE(m);
  auto tok = MakeByteTokenizer();
  State s = State::Initial(*m);
  auto out = Generate(*m, *tok, &s, std::vector<float>(10), GenerateOptions{});
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace rwkv
