#include "rwkv/adapters/download_progress.h"

#include <cmath>

namespace rwkv::adapters {

namespace {

std::string Printf(const char* format, double a) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, a);
  return buf;
}

// Bytes per second over this run, and the seconds left at that rate (-1 when unknown).
void RateAndEta(const DownloadProgress& p, double* rate, double* eta) {
  const int64_t fresh = p.done - p.resumed_from;
  *rate = p.seconds > 0 ? fresh / p.seconds : 0;
  *eta = (p.total >= 0 && *rate > 0) ? (p.total - p.done) / *rate : -1;
}

}  // namespace

std::string FormatBytes(int64_t bytes) {
  const double b = static_cast<double>(bytes);
  if (b < 1e3) return std::to_string(bytes) + " B";
  if (b < 1e6) return Printf("%.1f kB", b / 1e3);
  if (b < 1e9) return Printf("%.1f MB", b / 1e6);
  return Printf("%.2f GB", b / 1e9);
}

std::string FormatDuration(double seconds) {
  if (!(seconds >= 0) || !std::isfinite(seconds)) return "?";
  const long s = std::lround(seconds);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  }
  return buf;
}

std::string FormatProgressBar(const DownloadProgress& p, int bar_width) {
  double rate, eta;
  RateAndEta(p, &rate, &eta);
  const std::string speed = FormatBytes(static_cast<int64_t>(rate)) + "/s";
  if (p.total <= 0) return FormatBytes(p.done) + "  " + speed;
  const double fraction = std::min(1.0, static_cast<double>(p.done) / p.total);
  const int filled = static_cast<int>(fraction * bar_width);
  std::string bar = "[" + std::string(filled, '#') + std::string(bar_width - filled, '.') + "]";
  char pct[16];
  std::snprintf(pct, sizeof pct, "%3d%%", static_cast<int>(fraction * 100));
  return bar + " " + pct + "  " + FormatBytes(p.done) + " / " + FormatBytes(p.total) + "  " +
         speed + "  ETA " + FormatDuration(eta);
}

std::string FormatProgressLine(const DownloadProgress& p) {
  double rate, eta;
  RateAndEta(p, &rate, &eta);
  const std::string speed = FormatBytes(static_cast<int64_t>(rate)) + "/s";
  if (p.total <= 0) return FormatBytes(p.done) + ", " + speed;
  const int pct = static_cast<int>(std::min(1.0, static_cast<double>(p.done) / p.total) * 100);
  return FormatBytes(p.done) + " of " + FormatBytes(p.total) + " (" + std::to_string(pct) + "%), " +
         speed + ", ETA " + FormatDuration(eta);
}

ProgressPrinter::ProgressPrinter(FILE* out, std::string label, bool terminal, double log_interval_s)
    : out_(out), label_(std::move(label)), terminal_(terminal), log_interval_s_(log_interval_s) {}

void ProgressPrinter::Update(const DownloadProgress& p) {
  if (terminal_) {
    // \033[K clears what a longer previous line left behind.
    std::fprintf(out_, "\r%s %s\033[K", label_.c_str(), FormatProgressBar(p).c_str());
    drew_ = true;
  } else if (p.seconds - last_log_s_ >= log_interval_s_ || (p.total > 0 && p.done == p.total)) {
    last_log_s_ = p.seconds;
    std::fprintf(out_, "%s: %s\n", label_.c_str(), FormatProgressLine(p).c_str());
  }
  std::fflush(out_);
}

void ProgressPrinter::Finish() {
  if (terminal_ && drew_) std::fprintf(out_, "\n");
  drew_ = false;
  std::fflush(out_);
}

}  // namespace rwkv::adapters
