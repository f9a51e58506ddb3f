#include "rate_limiter.h"

#include <algorithm>
#include <thread>

namespace rwkv::adapters {

RateLimiter::RateLimiter(double requests_per_minute, double tokens_per_minute)
    : rpm_(requests_per_minute),
      tpm_(tokens_per_minute),
      next_start_(Clock::now()),
      bucket_(tokens_per_minute),
      refilled_at_(Clock::now()) {}

// bucket += elapsed_seconds * tpm / 60, capped at tpm.
void RateLimiter::Refill(Clock::time_point now) {
  const double seconds = std::chrono::duration<double>(now - refilled_at_).count();
  bucket_ = std::min(tpm_, bucket_ + seconds * tpm_ / 60.0);
  refilled_at_ = now;
}

void RateLimiter::Acquire(double tokens) {
  if (rpm_ <= 0 && tpm_ <= 0) return;
  Clock::time_point start;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const Clock::time_point now = Clock::now();
    start = std::max(now, next_start_);
    if (tpm_ > 0) {
      Refill(now);
      // A request larger than a minute's allowance waits for a full bucket, then overdraws.
      const double need = std::min(tokens, tpm_);
      if (bucket_ < need) {
        const double wait_s = (need - bucket_) * 60.0 / tpm_;
        start = std::max(start, now + std::chrono::duration_cast<Clock::duration>(
                                          std::chrono::duration<double>(wait_s)));
      }
      bucket_ -= tokens;  // reserved now; later callers see the debt and wait for it
    }
    if (rpm_ > 0) {
      next_start_ = start + std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(60.0 / rpm_));
    }
  }
  std::this_thread::sleep_until(start);
}

void RateLimiter::Settle(double estimated, double actual) {
  if (tpm_ <= 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  bucket_ += estimated - actual;
}

}  // namespace rwkv::adapters
