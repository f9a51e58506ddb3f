// Client-side rate limits for remote APIs: requests per minute and tokens per minute
// (internal to adapters).
//
// Requests are spaced evenly (at most one every 60/rpm seconds). Tokens use a bucket holding
// one minute's allowance, refilled continuously; a request takes its estimated tokens up front
// and Settle() corrects the estimate with the real count once the response says it.
// Thread-safety: all methods may be called from many threads at once.
#pragma once

#include <chrono>
#include <mutex>

namespace rwkv::adapters {

class RateLimiter {
 public:
  // 0 = no limit.
  RateLimiter(double requests_per_minute, double tokens_per_minute);

  // Blocks until a request estimated at `tokens` may start.
  void Acquire(double tokens);
  // Corrects the bucket after a request estimated at `estimated` turned out to use `actual`.
  void Settle(double estimated, double actual);

 private:
  using Clock = std::chrono::steady_clock;
  void Refill(Clock::time_point now);

  const double rpm_;
  const double tpm_;
  std::mutex mu_;
  Clock::time_point next_start_;  // earliest start of the next request
  double bucket_;                 // tokens available (may go negative after Settle)
  Clock::time_point refilled_at_;
};

}  // namespace rwkv::adapters
