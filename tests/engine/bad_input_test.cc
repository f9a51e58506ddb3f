// Damaged model files and bad token ids: every case must end in a clean error or a clean load
// (after which a forward pass must work) — never a crash, a hang or a sanitizer finding.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "rwkv/forward.h"
#include "rwkv/model.h"
#include "shared_data.h"

namespace rwkv {
namespace {

void WriteFile(const std::string& path, const std::string& bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  ASSERT_EQ(std::fwrite(bytes.data(), 1, bytes.size(), f), bytes.size());
  std::fclose(f);
}

// Overwrites one byte of an existing file in place (much cheaper than rewriting the copy).
void PokeByte(const std::string& path, size_t offset, char value) {
  FILE* f = std::fopen(path.c_str(), "r+b");
  ASSERT_NE(f, nullptr) << path;
  ASSERT_EQ(std::fseek(f, static_cast<long>(offset), SEEK_SET), 0);
  ASSERT_EQ(std::fwrite(&value, 1, 1, f), 1u);
  std::fclose(f);
}

// Where the parts of each tensor descriptor sit in a .bin file, found by walking the file with
// the layout of rwkv.cpp's FILE_FORMAT: header of 6 int32, then per tensor n_dims, key_length,
// data_type, dims[n_dims], key, data.
struct Descriptor {
  size_t start = 0;    // the n_dims field
  size_t dims_at = 0;  // the first dimension
  int n_dims = 0;
  size_t name_at = 0;
  size_t data_at = 0;
};
std::vector<Descriptor> Descriptors(const std::string& f) {
  auto i32 = [&](size_t at) {
    int32_t v;
    std::memcpy(&v, f.data() + at, 4);
    return v;
  };
  std::vector<Descriptor> out;
  size_t at = 24;
  while (at + 12 <= f.size()) {
    Descriptor d;
    d.start = at;
    d.n_dims = i32(at);
    const int key_len = i32(at + 4), type = i32(at + 8);
    d.dims_at = at + 12;
    int64_t n = 1;
    for (int i = 0; i < d.n_dims; ++i) n *= i32(d.dims_at + 4 * i);
    d.name_at = d.dims_at + 4 * d.n_dims;
    d.data_at = d.name_at + key_len;
    const int64_t bytes = type == 0   ? n * 4
                          : type == 1 ? n * 2
                                      : n / 32 *
                                            (type == 2   ? 18
                                             : type == 3 ? 20
                                             : type == 7 ? 22
                                             : type == 8 ? 24
                                                         : 34);
    out.push_back(d);
    at = d.data_at + static_cast<size_t>(bytes);
  }
  EXPECT_EQ(at, f.size()) << "the test's own walk of the file went wrong";
  return out;
}

// Loads `path`; if that succeeds, runs a few tokens in both modes, which must succeed.
// Returns whether the load succeeded.
bool LoadAndRun(const std::string& path, const std::string& what) {
  auto m = Model::Load(path);
  if (!m.ok()) {
    EXPECT_FALSE(m.status().message().empty()) << what;
    EXPECT_NE(m.status().message().find(path), std::string::npos)
        << what << ": the error does not name the file: " << m.status().ToString();
    return false;
  }
  const int V = (*m)->config().n_vocab;
  const std::vector<int32_t> ids = {0, 1 % V, (V - 1), 7 % V, 3 % V};
  for (int chunk : {1, 8}) {
    State s = State::Initial(**m);
    std::vector<float> logits;
    ForwardOptions o;
    o.max_chunk = chunk;
    Status st = Forward(**m, &s, ids, LogitsMode::kAll, &logits, o);
    EXPECT_TRUE(st.ok()) << what << ": " << st.ToString();
    EXPECT_EQ(logits.size(), ids.size() * static_cast<size_t>(V)) << what;
  }
  return true;
}

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

class DamagedModelTest : public ::testing::TestWithParam<const char*> {
 protected:
  // Thousands of loads with tiny forward passes: one thread avoids start-up and contention
  // costs that have nothing to do with what is tested.
  void SetUp() override {
    threads_ = omp_get_max_threads();
    SetThreads(1);
  }
  void TearDown() override { SetThreads(threads_); }
  std::string Bytes() const {
    return testing::ReadFileBytes(
        testing::SharedPath(std::string("models/tiny/") + GetParam() + ".bin"));
  }
  int threads_ = 1;
};

TEST_P(DamagedModelTest, TruncatedCopiesAreCleanErrors) {
  REQUIRE_SHARED();
  const std::string bytes = Bytes();
  ASSERT_GT(bytes.size(), 1000u);
  std::set<size_t> cuts;
  for (size_t c = 0; c <= 64; ++c) cuts.insert(c);  // inside the header and first descriptor
  for (int i = 1; i < 100; ++i) cuts.insert(bytes.size() * i / 100);  // spread over the file
  for (const Descriptor& d : Descriptors(bytes)) {  // at and inside tensor boundaries
    cuts.insert(d.start);
    cuts.insert(d.dims_at + 2);
    cuts.insert(d.data_at);
  }
  cuts.insert(bytes.size() - 1);
  const std::string path = testing::TempDir("bad-input") + "/cut.bin";
  WriteFile(path, bytes);
  // Longest first: each cut is a prefix of the previous one, so the file is only shortened.
  for (auto it = cuts.rbegin(); it != cuts.rend(); ++it) {
    const size_t cut = *it;
    if (cut >= bytes.size()) continue;
    std::filesystem::resize_file(path, cut);
    const std::string what = std::string(GetParam()) + " cut at byte " + std::to_string(cut);
    EXPECT_FALSE(LoadAndRun(path, what)) << what << " loaded";
  }
}

TEST_P(DamagedModelTest, ByteFlipsGiveCleanErrorsOrCleanLoads) {
  REQUIRE_SHARED();
  const std::string bytes = Bytes();
  // offset -> the XOR masks applied there, one at a time.
  std::map<size_t, std::vector<unsigned char>> flips;
  const std::vector<unsigned char> kInvert = {0xff}, kInvertOrHigh = {0xff, 0x40};
  for (size_t o = 0; o < 24; ++o) flips[o] = kInvertOrHigh;  // the file header
  const std::vector<Descriptor> ds = Descriptors(bytes);
  for (size_t i = 0; i < ds.size(); ++i) {
    const Descriptor& d = ds[i];
    if (i < 3) {  // every byte of the first descriptors
      for (size_t o = d.start; o < d.data_at; ++o) flips[o] = kInvertOrHigh;
      continue;
    }
    // Under the sanitizers (about ten times slower) every other descriptor is skipped.
    if (kSanitized && i % 2 == 1) continue;
    // Elsewhere: both ends of every dimension (a high bit in the top byte makes a huge one),
    // the data type, and now and then n_dims, the key length, the name and the data.
    for (int k = 0; k < d.n_dims; ++k) {
      flips[d.dims_at + 4 * k] = kInvert;
      flips[d.dims_at + 4 * k + 3] = kInvertOrHigh;
    }
    flips[d.start + 8] = kInvert;
    if (i % 3 == 0) {
      flips[d.start] = kInvert;
      flips[d.start + 4] = kInvert;
      flips[d.name_at] = kInvert;
      flips[d.data_at] = kInvert;
    }
  }
  const std::string path = testing::TempDir("bad-input") + "/flip.bin";
  WriteFile(path, bytes);
  int loaded = 0;
  for (const auto& [o, masks] : flips) {
    for (unsigned char mask : masks) {
      PokeByte(path, o, static_cast<char>(bytes[o] ^ mask));
      loaded += LoadAndRun(path, std::string(GetParam()) + " byte " + std::to_string(o) + " ^ " +
                                     std::to_string(mask));
    }
    PokeByte(path, o, bytes[o]);
  }
  std::printf("  %s: %zu offsets flipped, %d damaged copies loaded cleanly\n", GetParam(),
              flips.size(), loaded);
  // Not a requirement, but a sign that the flips reach past the header checks.
  EXPECT_GT(loaded, 0);
}

// One format per architecture, so every reader path and block type is exercised.
INSTANTIATE_TEST_SUITE_P(TinyModels, DamagedModelTest,
                         ::testing::Values("tiny-rwkv-4v0-660K-FP16", "tiny-rwkv-5v1-730K-Q4_0",
                                           "tiny-rwkv-5v2-730K-Q8_0", "tiny-rwkv-6v0-3m-Q5_0",
                                           "tiny-rwkv-7v0-834K-FP32"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           std::string n = info.param;
                           for (char& ch : n) {
                             if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return n;
                         });

TEST(BadInputTest, WrongMagicAndMissingFileAreNamed) {
  REQUIRE_SHARED();
  const std::string dir = testing::TempDir("bad-input");
  WriteFile(dir + "/text.bin", "this is not a model file at all");
  auto m = Model::Load(dir + "/text.bin");
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("text.bin"), std::string::npos);
  auto missing = Model::Load(dir + "/missing.bin");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

TEST(BadInputTest, TokenIdsOutOfRangeNameThePosition) {
  REQUIRE_SHARED();
  auto m = Model::Load(testing::SharedPath("models/tiny/tiny-rwkv-7v0-834K-FP32.bin"));
  ASSERT_TRUE(m.ok());
  for (int32_t bad : {256, -1, 1 << 30}) {
    State s = State::Initial(**m);
    const State before = s;
    std::vector<float> logits;
    Status st = Forward(**m, &s, {10, 20, bad, 30}, LogitsMode::kAll, &logits);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(st.message().find("position 2"), std::string::npos) << st.message();
    EXPECT_NE(st.message().find(std::to_string(bad)), std::string::npos) << st.message();
    EXPECT_EQ(s.data(), before.data()) << "the state changed on error";
  }
}

}  // namespace
}  // namespace rwkv
