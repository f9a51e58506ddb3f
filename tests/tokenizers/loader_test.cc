// Choosing and finding tokenizers: by name, by file, by a model's vocabulary size.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "rwkv/cache_dir.h"
#include "rwkv/tokenizer.h"
#include "shared_data.h"

namespace rwkv {
namespace {

// Sets an environment variable for the lifetime of the object, then restores it.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old, had_ = true;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() { had_ ? setenv(name_, old_.c_str(), 1) : unsetenv(name_); }

 private:
  const char* name_;
  std::string old_;
  bool had_ = false;
};

TEST(TokenizerLoader, NamesForVocabularySizes) {
  EXPECT_EQ(TokenizerNameForVocab(256), "bytes");
  EXPECT_EQ(TokenizerNameForVocab(50277), "20b");
  EXPECT_EQ(TokenizerNameForVocab(65536), "world");
  EXPECT_EQ(TokenizerNameForVocab(1000), "");
}

TEST(TokenizerLoader, BytesNeedsNoFile) {
  auto t = LoadTokenizerForModel("auto", 256);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ((*t)->name(), "bytes");
  EXPECT_EQ((*t)->vocab_size(), 256);
}

TEST(TokenizerLoader, UnknownVocabularySizeAsksForAName) {
  auto t = LoadTokenizerForModel("", 1000);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(t.status().message().find("1000"), std::string::npos);
}

TEST(TokenizerLoader, UnknownNameIsNotFound) {
  auto t = LoadTokenizer("no-such-tokenizer");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kNotFound);
  EXPECT_NE(t.status().message().find("no-such-tokenizer"), std::string::npos);
}

TEST(TokenizerLoader, CacheDirFollowsXdg) {
  {
    ScopedEnv xdg("XDG_CACHE_HOME", "/tmp/xdg-cache");
    EXPECT_EQ(CacheDir(), "/tmp/xdg-cache/rwkv-eval");
    EXPECT_EQ(TokenizerCacheDir(), "/tmp/xdg-cache/rwkv-eval/tokenizers");
  }
  ScopedEnv xdg("XDG_CACHE_HOME", "");
  ScopedEnv home("HOME", "/home/someone");
  EXPECT_EQ(CacheDir(), "/home/someone/.cache/rwkv-eval");
}

TEST(TokenizerLoader, MissingFileListsEveryPlaceLookedIn) {
  const std::string a = testing::TempDir("env"), b = testing::TempDir("xdg"),
                    c = testing::TempDir("shared");
  ScopedEnv env("RWKV_EVAL_TOKENIZER_DIR", a);
  ScopedEnv xdg("XDG_CACHE_HOME", b);
  ScopedEnv shared("RWKV_EVAL_SHARED", c);
  auto t = LoadTokenizer("world");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kNotFound);
  const std::string& m = t.status().message();
  EXPECT_NE(m.find(a + "/rwkv_vocab_v20230424.txt"), std::string::npos) << m;
  EXPECT_NE(m.find(b + "/rwkv-eval/tokenizers/rwkv_vocab_v20230424.txt"), std::string::npos) << m;
  EXPECT_NE(m.find(c + "/tokenizers/rwkv_vocab_v20230424.txt"), std::string::npos) << m;
  EXPECT_NE(m.find("rwkv-eval pull"), std::string::npos) << m;
}

TEST(TokenizerLoader, FindsNamedFilesAndChecksTheyFitTheModel) {
  REQUIRE_SHARED();
  ScopedEnv env("RWKV_EVAL_TOKENIZER_DIR", testing::SharedPath("tokenizers"));
  auto world = LoadTokenizerForModel("auto", 65536);
  ASSERT_TRUE(world.ok()) << world.status().ToString();
  EXPECT_EQ((*world)->name(), "world");
  auto pile = LoadTokenizerForModel("auto", 50277);
  ASSERT_TRUE(pile.ok()) << pile.status().ToString();
  EXPECT_EQ((*pile)->name(), "20b");
  // World ids go up to 65529: a 50277-row model cannot take them.
  auto misfit = LoadTokenizerForModel("world", 50277);
  ASSERT_FALSE(misfit.ok());
  EXPECT_EQ(misfit.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(misfit.status().message().find("65529"), std::string::npos)
      << misfit.status().message();
  EXPECT_FALSE(LoadTokenizerForModel("20b", 256).ok());
}

TEST(TokenizerLoader, FindsFilesThatPullPutInTheCache) {
  REQUIRE_SHARED();
  const std::string empty = testing::TempDir("empty"), xdg = testing::TempDir("xdg");
  std::filesystem::create_directories(xdg + "/rwkv-eval/tokenizers");
  std::filesystem::create_symlink(testing::SharedPath("tokenizers/rwkv_vocab_v20230424.txt"),
                                  xdg + "/rwkv-eval/tokenizers/rwkv_vocab_v20230424.txt");
  ScopedEnv env("RWKV_EVAL_TOKENIZER_DIR", empty);
  ScopedEnv cache("XDG_CACHE_HOME", xdg);
  ScopedEnv shared("RWKV_EVAL_SHARED", empty);
  auto t = LoadTokenizer("world");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ((*t)->name(), "world");
  EXPECT_EQ((*t)->vocab_size(), 65530);
}

TEST(TokenizerLoader, LoadsByPathChoosingTheFormatFromTheName) {
  REQUIRE_SHARED();
  const std::string json = testing::SharedPath("tokenizers/20B_tokenizer.json");
  auto t = LoadTokenizer(json);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ((*t)->name(), json);
  EXPECT_EQ((*t)->vocab_size(), 50277);
  auto w = LoadTokenizer(testing::SharedPath("tokenizers/rwkv_vocab_v20230424.txt"));
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ((*w)->vocab_size(), 65530);
}

}  // namespace
}  // namespace rwkv
