// decode(encode(text)) == text, NFC, special tokens, and the streaming decoder.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "rwkv/tokenizer.h"
#include "shared_data.h"

namespace rwkv {
namespace {

std::unique_ptr<Tokenizer> LoadShared(bool world) {
  auto t = world ? LoadWorldTokenizer(testing::SharedPath("tokenizers/rwkv_vocab_v20230424.txt"))
                 : LoadBpeTokenizer(testing::SharedPath("tokenizers/20B_tokenizer.json"));
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? std::move(*t) : nullptr;
}

std::vector<std::string> LambadaTexts(size_t limit) {
  std::vector<std::string> texts;
  std::ifstream in(testing::SharedPath("datasets/lambada_test.jsonl"));
  std::string line;
  while (texts.size() < limit && std::getline(in, line)) {
    texts.push_back(nlohmann::json::parse(line).at("text").get<std::string>());
  }
  return texts;
}

// Random text of NFC-stable characters: ASCII, Latin-1 letters, CJK, emoji, varied spaces.
std::string RandomText(std::mt19937* rng, size_t n_chars) {
  static const char* const kPieces[] = {"a",
                                        "Z",
                                        "7",
                                        " ",
                                        "  ",
                                        "\n",
                                        "\t",
                                        "'s",
                                        "'ll",
                                        "!",
                                        "?",
                                        ".",
                                        "<",
                                        "|",
                                        "\xc3\xa9",
                                        "\xc3\x9f",
                                        "\xe6\x97\xa5",
                                        "\xe8\xaa\x9e",
                                        "\xf0\x9f\x98\x80",
                                        "\xe3\x80\x80",
                                        "\xc2\xa0",
                                        "\xd9\x85",
                                        "\xe2\x80\xa8",
                                        "\r\n",
                                        "1",
                                        "0",
                                        "_",
                                        "-",
                                        "\xe2\x82\xac"};
  std::uniform_int_distribution<size_t> pick(0, std::size(kPieces) - 1);
  std::string s;
  for (size_t i = 0; i < n_chars; ++i) s += kPieces[pick(*rng)];
  return s;
}

// True if `s` is a sequence of complete, well-formed UTF-8 characters (structure only).
bool CompleteUtf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = s[i];
    const size_t len = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
    }
    i += len;
  }
  return true;
}

TEST(TokenizerRoundTrip, WorldOnLambadaRandomTextAndArbitraryBytes) {
  REQUIRE_SHARED();
  auto t = LoadShared(true);
  ASSERT_TRUE(t);
  for (const std::string& text : LambadaTexts(400)) EXPECT_EQ(t->Decode(t->Encode(text)), text);
  std::mt19937 rng(1);
  for (int i = 0; i < 50; ++i) {
    const std::string text = RandomText(&rng, 200);
    EXPECT_EQ(t->Decode(t->Encode(text)), text);
  }
  std::string bytes;  // every byte value, not valid UTF-8
  for (int b = 255; b >= 0; --b) bytes += static_cast<char>(b);
  EXPECT_EQ(t->Decode(t->Encode(bytes)), bytes);
}

TEST(TokenizerRoundTrip, BpeOnLambadaAndRandomText) {
  REQUIRE_SHARED();
  auto t = LoadShared(false);
  ASSERT_TRUE(t);
  for (const std::string& text : LambadaTexts(400)) EXPECT_EQ(t->Decode(t->Encode(text)), text);
  std::mt19937 rng(2);
  for (int i = 0; i < 50; ++i) {
    const std::string text = RandomText(&rng, 200);
    EXPECT_EQ(t->Decode(t->Encode(text)), text);
  }
  // Bytes outside UTF-8 that still have tokens round-trip too.
  EXPECT_EQ(t->Decode(t->Encode("a\x80\xe6\x97z")), "a\x80\xe6\x97z");
}

TEST(BpeTokenizer, NormalizesToNfcBeforeEncoding) {
  REQUIRE_SHARED();
  auto t = LoadShared(false);
  ASSERT_TRUE(t);
  // e + COMBINING ACUTE ACCENT composes to U+00E9; A + COMBINING RING ABOVE to U+00C5;
  // Hangul jamo U+1100 U+1161 to the syllable U+AC00.
  EXPECT_EQ(t->Encode("caf"
                      "e\xcc\x81"),
            t->Encode("caf\xc3\xa9"));
  EXPECT_EQ(t->Encode("A\xcc\x8angstr\xc3\xb6m"), t->Encode("\xc3\x85ngstr\xc3\xb6m"));
  EXPECT_EQ(t->Encode("\xe1\x84\x80\xe1\x85\xa1"), t->Encode("\xea\xb0\x80"));
  // Expected NFC forms from Python's unicodedata.normalize("NFC", ...): marks reordered by
  // combining class, a three-jamo syllable, a lone mark at the start, two marks composing in
  // turn, and composition right after a byte that is not UTF-8.
  EXPECT_EQ(t->Encode("e\xcc\x81\xcc\xa3"), t->Encode("\xe1\xba\xb9\xcc\x81"));
  EXPECT_EQ(t->Encode("\xe1\x84\x80\xe1\x85\xa1\xe1\x86\xa8"), t->Encode("\xea\xb0\x81"));
  EXPECT_EQ(t->Decode(t->Encode("\xcc\x81"
                                "abc")),
            "\xcc\x81"
            "abc");
  EXPECT_EQ(t->Encode("a\xcc\x88\xcc\x84x"), t->Encode("\xc7\x9fx"));
  EXPECT_EQ(t->Decode(t->Encode("\x80"
                                "e\xcc\x81")),
            "\x80\xc3\xa9");
  EXPECT_EQ(t->Decode(t->Encode("caf"
                                "e\xcc\x81")),
            "caf\xc3\xa9");
}

TEST(BpeTokenizer, SpecialTokensAreMatchedBeforeBpe) {
  REQUIRE_SHARED();
  auto t = LoadShared(false);
  ASSERT_TRUE(t);
  // Ids from the added_tokens section of 20B_tokenizer.json.
  EXPECT_EQ(t->Encode("<|endoftext|>"), (std::vector<int32_t>{0}));
  EXPECT_EQ(t->Encode("<|padding|>"), (std::vector<int32_t>{1}));
  const std::vector<int32_t> ids = t->Encode("hi<|endoftext|><|endoftext|>hi");
  const std::vector<int32_t> hi = t->Encode("hi");
  std::vector<int32_t> expected = hi;
  expected.push_back(0);
  expected.push_back(0);
  expected.insert(expected.end(), hi.begin(), hi.end());
  EXPECT_EQ(ids, expected);
  EXPECT_EQ(t->TokenBytes(0), "<|endoftext|>");
}

TEST(BpeTokenizer, BytesWithoutTokensBecomeReplacementCharacter) {
  REQUIRE_SHARED();
  auto t = LoadShared(false);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->Encode("x\xff"), t->Encode("x\xef\xbf\xbd"));
  EXPECT_EQ(t->Encode("\xc0"), t->Encode("\xef\xbf\xbd"));
}

TEST(StreamingDecoder, HoldsIncompleteCharactersOfByteTokens) {
  auto t = MakeByteTokenizer();
  StreamingDecoder d(*t);
  const std::string text =
      "a\xe6\x97\xa5\xf0\x9f\x98\x80"
      "b";  // a 日 😀 b
  std::vector<std::string> out;
  for (unsigned char c : text) out.push_back(d.Push(c));
  const std::vector<std::string> expected = {
      "a", "", "", "\xe6\x97\xa5", "", "", "", "\xf0\x9f\x98\x80", "b"};
  EXPECT_EQ(out, expected);
  EXPECT_EQ(d.Flush(), "");
}

TEST(StreamingDecoder, FlushReturnsATruncatedCharacter) {
  auto t = MakeByteTokenizer();
  StreamingDecoder d(*t);
  EXPECT_EQ(d.Push('x'), "x");
  EXPECT_EQ(d.Push(0xe6), "");
  EXPECT_EQ(d.Push(0x97), "");
  EXPECT_EQ(d.Flush(), "\xe6\x97");
  EXPECT_EQ(d.Flush(), "");
}

TEST(StreamingDecoder, WorldTokensSplittingCharactersStreamCompleteText) {
  REQUIRE_SHARED();
  auto t = LoadShared(true);
  ASSERT_TRUE(t);
  // Rare characters are spelled by single-byte tokens (ids 1..256), so tokens end mid-character.
  const std::string text = "did's\xc2\xad\xf0\x9f\x98\x8e\xc6\xbbv\xe4\xb9\xa6\xf0\x9f\x97\xa2";
  const std::vector<int32_t> ids = t->Encode(text);
  int partial_tokens = 0;
  for (int32_t id : ids) partial_tokens += !CompleteUtf8(t->TokenBytes(id));
  ASSERT_GT(partial_tokens, 0) << "the text no longer exercises partial tokens";
  StreamingDecoder d(*t);
  std::string streamed;
  for (int32_t id : ids) {
    const std::string piece = d.Push(id);
    EXPECT_TRUE(CompleteUtf8(piece)) << "token " << id;
    streamed += piece;
  }
  streamed += d.Flush();
  EXPECT_EQ(streamed, text);
}

}  // namespace
}  // namespace rwkv
