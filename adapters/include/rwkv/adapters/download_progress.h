// Human-readable download progress: a bar with rate and ETA for terminals, a plain line for
// logs.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "rwkv/adapters/download.h"

namespace rwkv::adapters {

// "1.5 kB", "339.0 MB", "2.10 GB" (decimal units).
std::string FormatBytes(int64_t bytes);

// "0:07", "12:05", "1:02:03"; "?" for a negative or non-finite time.
std::string FormatDuration(double seconds);

// One terminal line: "[#########.........]  45%  152.3 MB / 339.0 MB  12.4 MB/s  ETA 0:15",
// `bar_width` characters of bar; without a known total: "152.3 MB  12.4 MB/s". The rate counts
// only bytes transferred in this run (not a resumed part).
std::string FormatProgressBar(const DownloadProgress& p, int bar_width = 30);

// The same facts as one plain log line without a bar, e.g.
// "152.3 MB of 339.0 MB (45%), 12.4 MB/s, ETA 0:15".
std::string FormatProgressLine(const DownloadProgress& p);

// Prints progress to `out`: on a terminal, a bar redrawn in place (carriage return); otherwise a
// plain line at most every `log_interval_s` seconds. Not thread-safe.
class ProgressPrinter {
 public:
  ProgressPrinter(FILE* out, std::string label, bool terminal, double log_interval_s = 10);
  void Update(const DownloadProgress& p);
  // Ends the bar's line (terminal) so later output starts on a fresh line.
  void Finish();

 private:
  FILE* out_;
  std::string label_;
  bool terminal_;
  double log_interval_s_;
  double last_log_s_ = -1e9;
  bool drew_ = false;
};

}  // namespace rwkv::adapters
