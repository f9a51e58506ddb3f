// Rate limits and Retry-After parsing of the remote adapter, in isolation.
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>

#include "rate_limiter.h"
#include "request_retry.h"

namespace rwkv::adapters {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

TEST(RateLimiter, TokensPerMinuteWaitsForTheBucketToRefill) {
  RateLimiter limiter(0, 6000);  // 100 tokens per second, 6000 at start
  auto t0 = Clock::now();
  limiter.Acquire(6000);  // the whole first minute's allowance: immediate
  EXPECT_LT(SecondsSince(t0), 0.05);
  t0 = Clock::now();
  limiter.Acquire(30);  // 30 tokens at 100/s: 0.3 s
  EXPECT_GE(SecondsSince(t0), 0.27);
  EXPECT_LT(SecondsSince(t0), 0.6);
  // The real usage was smaller than estimated: the difference comes back at once.
  limiter.Settle(30, 0);
  t0 = Clock::now();
  limiter.Acquire(25);
  EXPECT_LT(SecondsSince(t0), 0.1);
}

TEST(RateLimiter, RequestsPerMinuteSpacesStarts) {
  RateLimiter limiter(1200, 0);  // one every 50 ms
  const auto t0 = Clock::now();
  for (int i = 0; i < 5; ++i) limiter.Acquire(1);
  EXPECT_GE(SecondsSince(t0), 0.19);  // 4 gaps
  EXPECT_LT(SecondsSince(t0), 0.5);
}

TEST(RateLimiter, NoLimitsNeverWait) {
  RateLimiter limiter(0, 0);
  const auto t0 = Clock::now();
  for (int i = 0; i < 1000; ++i) limiter.Acquire(1e9);
  EXPECT_LT(SecondsSince(t0), 0.05);
}

TEST(RetryAfter, SecondsAndHttpDates) {
  EXPECT_EQ(ParseRetryAfter("7"), 7.0);
  EXPECT_EQ(ParseRetryAfter("0.5"), 0.5);
  EXPECT_LT(ParseRetryAfter(""), 0);
  EXPECT_LT(ParseRetryAfter("soon"), 0);
  EXPECT_LT(ParseRetryAfter("-3"), 0);
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT"), 0.0);  // in the past
  char future[64];
  const std::time_t in_a_minute = std::time(nullptr) + 60;
  std::strftime(future, sizeof future, "%a, %d %b %Y %H:%M:%S GMT", std::gmtime(&in_a_minute));
  const double wait = ParseRetryAfter(future);
  EXPECT_GE(wait, 58);
  EXPECT_LE(wait, 60);
}

}  // namespace
}  // namespace rwkv::adapters
