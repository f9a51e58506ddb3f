// Progress display for long runs: a redrawn bar with rate and ETA on a terminal, a plain line
// every `interval_s` seconds otherwise (logs, CI).
#pragma once

#include <cstdio>
#include <string>

#include "rwkv/harness/runner.h"

namespace rwkv::harness {

// "[#########-----------]  120/211  57%  3.4 items/s  ETA 0:27" (rate over newly run items).
std::string FormatProgress(const ProgressUpdate& p, int bar_width);

class ProgressPrinter {
 public:
  // `terminal`: redraw one line with '\r'; else print a line at most every `interval_s`.
  ProgressPrinter(std::FILE* out, bool terminal, double interval_s = 10.0)
      : out_(out), terminal_(terminal), interval_s_(interval_s) {}
  // Not thread-safe (the runner serializes calls).
  void Update(const ProgressUpdate& p);
  // Ends the line (terminal) or prints the final count.
  void Finish();

 private:
  std::FILE* out_;
  bool terminal_;
  double interval_s_;
  double last_print_s_ = -1;
  double last_redraw_s_ = -1;
  ProgressUpdate last_;
  bool any_ = false;
};

}  // namespace rwkv::harness
