// The World vocabulary file format: Python literal escapes and errors naming file:line.
#include <gtest/gtest.h>

#include <fstream>

#include "rwkv/tokenizer.h"
#include "shared_data.h"

namespace rwkv {
namespace {

std::string WriteVocab(const std::string& tag, const std::string& contents) {
  const std::string path = testing::TempDir(tag) + "/vocab.txt";
  std::ofstream(path, std::ios::binary) << contents;
  return path;
}

TEST(WorldVocabularyFile, DecodesEveryPythonEscape) {
  // Expected bytes written out by hand from Python's literal rules.
  const std::string path = WriteVocab("escapes",
                                      "1 '\\x41\\101\\n\\t\\r\\\\' 6\n"
                                      "2 b'\\xe9\\x00' 2\n"
                                      "3 '\\xe9' 2\n"
                                      "4 '\\u2003' 3\n"
                                      "5 '\\U0001f600' 4\n"
                                      "6 \"'\" 1\n"
                                      "7 '\\'\"' 2\n"
                                      "8 'h\xc3\xa9 llo' 7\n"
                                      "9 b'\\u00e9' 6\n"
                                      "10 '\\q' 2\n"
                                      "11 '\\0\\7' 2\n"
                                      "12 b\"\\a\\b\\f\\v\" 4\n");
  auto t = LoadWorldTokenizer(path, "test");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  const Tokenizer& tok = **t;
  EXPECT_EQ(tok.name(), "test");
  EXPECT_EQ(tok.vocab_size(), 13);
  EXPECT_EQ(tok.TokenBytes(1), "AA\n\t\r\\");
  EXPECT_EQ(tok.TokenBytes(2), std::string("\xe9\x00", 2));
  EXPECT_EQ(tok.TokenBytes(3), "\xc3\xa9");  // str literals are encoded as UTF-8
  EXPECT_EQ(tok.TokenBytes(4), "\xe2\x80\x83");
  EXPECT_EQ(tok.TokenBytes(5), "\xf0\x9f\x98\x80");
  EXPECT_EQ(tok.TokenBytes(6), "'");
  EXPECT_EQ(tok.TokenBytes(7), "'\"");
  EXPECT_EQ(tok.TokenBytes(8), "h\xc3\xa9 llo");  // spaces inside the literal
  EXPECT_EQ(tok.TokenBytes(9), "\\u00e9");        // \u is no escape in bytes literals
  EXPECT_EQ(tok.TokenBytes(10), "\\q");           // unknown escapes keep their backslash
  EXPECT_EQ(tok.TokenBytes(11), std::string("\x00\x07", 2));
  EXPECT_EQ(tok.TokenBytes(12), "\a\b\f\v");
  EXPECT_EQ(tok.TokenBytes(0), "");  // unused id
  EXPECT_EQ(tok.TokenBytes(99), "");
}

TEST(WorldVocabularyFile, GreedyLongestMatch) {
  const std::string path = WriteVocab("greedy",
                                      "1 'a' 1\n2 'b' 1\n3 'ab' 2\n4 'abc' 3\n5 'c' 1\n"
                                      "6 'bcd' 3\n7 'd' 1\n");
  auto t = LoadWorldTokenizer(path);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  // "abcd": longest at 0 is "abc" (4), then "d" (7) -- greedy, not the shortest split.
  EXPECT_EQ((*t)->Encode("abcd"), (std::vector<int32_t>{4, 7}));
  EXPECT_EQ((*t)->Encode("abab"), (std::vector<int32_t>{3, 3}));
  EXPECT_EQ((*t)->Encode("bcda"), (std::vector<int32_t>{6, 1}));
  EXPECT_EQ((*t)->Encode(""), (std::vector<int32_t>{}));
}

struct BadLine {
  const char* contents;
  const char* expected_location;
  const char* expected_words;
};

TEST(WorldVocabularyFile, ErrorsNameFileAndLine) {
  const BadLine cases[] = {
      {"1 'a' 1\n2 'b' 1\n3 'cd' 3\n", ":3:", "2 bytes but the line says 3"},
      {"1 'a' 1\n2 'b 1\n", ":2:", "quote"},
      {"1 'a' 1\n2 'b' 1\n3 '\\x4' 1\n", ":3:", "\\x"},
      {"1 'a' 1\n1 'b' 1\n", ":2:", "appears twice"},
      {"1 'a' 1\nx 'b' 1\n", ":2:", "token id"},
      {"1 'a' 1\n2 'b'\n", ":2:", ""},
      {"1 'a' 1\n2 '\\ud800' 3\n", ":2:", "surrogate"},
      {"1 'a' 1\n2 b'\xc3\xa9' 2\n", ":2:", "non-ASCII"},
      {"1 'a' 1\n2 'b'x 1\n", ":2:", ""},
  };
  int n = 0;
  for (const BadLine& c : cases) {
    const std::string path = WriteVocab("bad" + std::to_string(n++), c.contents);
    auto t = LoadWorldTokenizer(path);
    ASSERT_FALSE(t.ok()) << c.contents;
    EXPECT_EQ(t.status().code(), StatusCode::kCorruption) << c.contents;
    EXPECT_NE(t.status().message().find(path + c.expected_location), std::string::npos)
        << t.status().message();
    EXPECT_NE(t.status().message().find(c.expected_words), std::string::npos)
        << t.status().message();
  }
}

TEST(WorldVocabularyFile, GgufEscapedTokenTexts) {
  // Python: [repr(t)[2:-1] for t in (b"\xff", b"a'b", b'a"b', b"\\", b"\n", "é".encode())]
  //   == ['\\xff', "a'b", 'a"b', '\\\\', '\\n', '\\xc3\\xa9']
  auto t = MakeWorldTokenizerFromEscaped({"", "\\xff", "a'b", "a\"b", "\\\\", "\\n", "\\xc3\\xa9"},
                                         "gguf");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ((*t)->TokenBytes(0), "");
  EXPECT_EQ((*t)->TokenBytes(1), "\xff");
  EXPECT_EQ((*t)->TokenBytes(2), "a'b");
  EXPECT_EQ((*t)->TokenBytes(3), "a\"b");
  EXPECT_EQ((*t)->TokenBytes(4), "\\");
  EXPECT_EQ((*t)->TokenBytes(5), "\n");
  EXPECT_EQ((*t)->TokenBytes(6), "\xc3\xa9");
  EXPECT_EQ((*t)->Encode("\xc3\xa9"
                         "a'b\n"),
            (std::vector<int32_t>{6, 2, 5}));
  auto bad = MakeWorldTokenizerFromEscaped({"", "ok", "\\x4"}, "gguf");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("token 2"), std::string::npos) << bad.status().message();
}

TEST(WorldVocabularyFile, MissingFileIsNotFound) {
  auto t = LoadWorldTokenizer("/nonexistent/vocab.txt");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kNotFound);
  EXPECT_NE(t.status().message().find("/nonexistent/vocab.txt"), std::string::npos);
}

TEST(BpeTokenizerFile, BadJsonNamesLine) {
  const std::string path = testing::TempDir("badjson") + "/tokenizer.json";
  std::ofstream(path) << "{\n  \"model\": {\n    \"type\": ,\n  }\n}\n";
  auto t = LoadBpeTokenizer(path);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kCorruption);
  EXPECT_NE(t.status().message().find(path), std::string::npos);
  EXPECT_NE(t.status().message().find("line 3"), std::string::npos) << t.status().message();
}

TEST(BpeTokenizerFile, OtherModelTypesAreUnsupported) {
  const std::string path = testing::TempDir("wordpiece") + "/tokenizer.json";
  std::ofstream(path) << R"({"model": {"type": "WordPiece", "vocab": {}}})";
  auto t = LoadBpeTokenizer(path);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(t.status().message().find("WordPiece"), std::string::npos);
}

}  // namespace
}  // namespace rwkv
