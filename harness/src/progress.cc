#include "rwkv/harness/progress.h"

#include <cmath>

namespace rwkv::harness {

namespace {
std::string Duration(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  const long t = static_cast<long>(s + 0.5);
  char buf[32];
  if (t >= 3600) {
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%ld:%02ld", t / 60, t % 60);
  }
  return buf;
}
}  // namespace

std::string FormatProgress(const ProgressUpdate& p, int bar_width) {
  const double frac = p.total > 0 ? static_cast<double>(p.done) / static_cast<double>(p.total) : 1;
  const double fresh = static_cast<double>(p.done - p.resumed);
  const double rate = p.elapsed_s > 0 ? fresh / p.elapsed_s : 0;
  const double eta = rate > 0 ? static_cast<double>(p.total - p.done) / rate : NAN;
  std::string out;
  if (bar_width > 0) {
    const int filled = static_cast<int>(frac * bar_width);
    out = "[" + std::string(static_cast<size_t>(filled), '#') +
          std::string(static_cast<size_t>(bar_width - filled), '-') + "] ";
  }
  char buf[160];
  std::snprintf(buf, sizeof buf, "%lld/%lld items  %3.0f%%  %.1f items/s  ETA %s",
                static_cast<long long>(p.done), static_cast<long long>(p.total), frac * 100, rate,
                Duration(eta).c_str());
  out += buf;
  if (p.errors > 0) out += "  errors " + std::to_string(p.errors);
  return out;
}

void ProgressPrinter::Update(const ProgressUpdate& p) {
  last_ = p;
  any_ = true;
  if (terminal_) {
    if (p.elapsed_s - last_redraw_s_ < 0.1 && p.done < p.total) return;
    last_redraw_s_ = p.elapsed_s;
    std::fprintf(out_, "\r%s\033[K", FormatProgress(p, 30).c_str());
  } else {
    if (last_print_s_ >= 0 && p.elapsed_s - last_print_s_ < interval_s_) return;
    last_print_s_ = p.elapsed_s;
    std::fprintf(out_, "progress: %s\n", FormatProgress(p, 0).c_str());
  }
  std::fflush(out_);
}

void ProgressPrinter::Finish() {
  if (!any_) return;
  if (terminal_) {
    std::fprintf(out_, "\r%s\033[K\n", FormatProgress(last_, 30).c_str());
  } else {
    std::fprintf(out_, "progress: %s\n", FormatProgress(last_, 0).c_str());
  }
  std::fflush(out_);
}

}  // namespace rwkv::harness
