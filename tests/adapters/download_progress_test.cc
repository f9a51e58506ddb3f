// Progress display and the built-in registry of `rwkv-eval pull`.
#include <gtest/gtest.h>

#include <cstdio>

#include "rwkv/adapters/download_progress.h"
#include "rwkv/adapters/model_registry.h"
#include "rwkv/tokenizer.h"

namespace rwkv::adapters {
namespace {

TEST(DownloadProgressFormat, Bytes) {
  EXPECT_EQ(FormatBytes(999), "999 B");
  EXPECT_EQ(FormatBytes(1500), "1.5 kB");
  EXPECT_EQ(FormatBytes(339'000'000), "339.0 MB");
  EXPECT_EQ(FormatBytes(2'100'000'000), "2.10 GB");
}

TEST(DownloadProgressFormat, Durations) {
  EXPECT_EQ(FormatDuration(7), "0:07");
  EXPECT_EQ(FormatDuration(725), "12:05");
  EXPECT_EQ(FormatDuration(3723), "1:02:03");
  EXPECT_EQ(FormatDuration(-1), "?");
}

TEST(DownloadProgressFormat, BarWithRateAndEta) {
  // 50 of 100 bytes in 10 s: 5 B/s, 50 bytes left: 10 s.
  DownloadProgress p{50, 100, 0, 10.0};
  EXPECT_EQ(FormatProgressBar(p, 10), "[#####.....]  50%  50 B / 100 B  5 B/s  ETA 0:10");
  // A resumed part does not count toward the rate: (150 - 100) / 5 s = 10 B/s.
  DownloadProgress resumed{150, 200, 100, 5.0};
  EXPECT_EQ(FormatProgressLine(resumed), "150 B of 200 B (75%), 10 B/s, ETA 0:05");
  DownloadProgress unknown{2000, -1, 0, 2.0};
  EXPECT_EQ(FormatProgressBar(unknown), "2.0 kB  1.0 kB/s");
}

TEST(DownloadProgressPrinter, PlainLinesAtIntervalsWhenNotATerminal) {
  FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  ProgressPrinter printer(out, "tiny.bin", /*terminal=*/false, /*log_interval_s=*/10);
  printer.Update({10, 100, 0, 1.0});    // first: printed
  printer.Update({20, 100, 0, 5.0});    // 4 s later: skipped
  printer.Update({60, 100, 0, 12.0});   // 11 s later: printed
  printer.Update({100, 100, 0, 13.0});  // complete: printed
  printer.Finish();
  std::rewind(out);
  char buf[1024] = {0};
  const size_t n = std::fread(buf, 1, sizeof buf - 1, out);
  std::fclose(out);
  const std::string text(buf, n);
  EXPECT_EQ(text,
            "tiny.bin: 10 B of 100 B (10%), 10 B/s, ETA 0:09\n"
            "tiny.bin: 60 B of 100 B (60%), 5 B/s, ETA 0:08\n"
            "tiny.bin: 100 B of 100 B (100%), 7 B/s, ETA 0:00\n");
}

TEST(ModelRegistry, OfficialEntriesAndTheirTokenizers) {
  const RegistryEntry* pile = FindRegistryEntry("rwkv-4-pile-169m");  // case-insensitive
  ASSERT_NE(pile, nullptr);
  EXPECT_EQ(pile->url.rfind("https://huggingface.co/BlinkDL/", 0), 0u);
  EXPECT_EQ(pile->tokenizer, "20b-tokenizer");
  const RegistryEntry* world = FindRegistryEntry("RWKV-7-World-0.1B");
  ASSERT_NE(world, nullptr);
  EXPECT_EQ(world->url.rfind("https://huggingface.co/BlinkDL/", 0), 0u);
  EXPECT_EQ(world->tokenizer, "world-tokenizer");
  EXPECT_EQ(FindRegistryEntry("no-such-model"), nullptr);
  for (const RegistryEntry& e : BuiltinRegistry()) {
    EXPECT_EQ(e.url.rfind("https://", 0), 0u) << e.name;
    EXPECT_TRUE(e.sha256.empty() || e.sha256.size() == 64) << e.name;
    if (!e.tokenizer.empty()) {
      EXPECT_NE(FindRegistryEntry(e.tokenizer), nullptr) << e.name;
    }
  }
  // The tokenizer files are the ones the tokenizer loader looks for.
  EXPECT_EQ(FindRegistryEntry("world-tokenizer")->file_name, TokenizerFileName("world"));
  EXPECT_EQ(FindRegistryEntry("20b-tokenizer")->file_name, TokenizerFileName("20b"));
}

}  // namespace
}  // namespace rwkv::adapters
