// Sends one JSON request to a remote API until it succeeds or the retry budget is spent
// (internal to adapters): concurrency limit, rate limits, timeouts, exponential backoff with
// jitter, Retry-After.
//
// Retried: transport failures (refused, dropped, timed out), HTTP 408/409/425/429/5xx, and 2xx
// responses whose body is not JSON (truncated, garbled). Not retried: other HTTP statuses.
// Thread-safety: Send may be called from many threads at once.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "http_client.h"
#include "rate_limiter.h"
#include "rwkv/status.h"

namespace rwkv::adapters {

struct RetryPolicy {
  double timeout_seconds = 120;
  int max_retries = 6;
  double initial_backoff_seconds = 1.0;
  double max_backoff_seconds = 60.0;
  double max_retry_after_seconds = 300.0;
};

// Seconds to wait from a Retry-After value (delta-seconds or an HTTP date); < 0 if absent or
// unreadable.
double ParseRetryAfter(const std::string& value);

// response["usage"][field] when it is a non-negative number, else -1.
double UsageCount(const nlohmann::json& response, const char* field);

class RequestSender {
 public:
  // `secret` is removed from every message produced; `log` receives one line per retry.
  RequestSender(RetryPolicy policy, int concurrency, double requests_per_minute,
                double tokens_per_minute, std::string secret,
                std::function<void(const std::string&)> log);

  // POSTs `body` to `url`. `what` names the request in messages ("openai:m: POST
  // /v1/completions (item x)"). `estimated_tokens` feeds the tokens/min limit. Returns the
  // parsed JSON of a 2xx response. Errors: see the header comment of openai_adapter.h.
  StatusOr<nlohmann::json> Send(const std::string& url, const std::string& body,
                                const std::string& what, double estimated_tokens);

  // `text` with every occurrence of the secret replaced.
  std::string Redact(std::string text) const;

 private:
  double Backoff(int retry);  // seconds before retry number `retry` (0-based), jittered
  void EnterFlight();
  void LeaveFlight();

  const RetryPolicy policy_;
  const int concurrency_;
  const std::string secret_;
  std::function<void(const std::string&)> log_;
  HttpClient http_;
  RateLimiter limiter_;
  std::mutex mu_;
  std::condition_variable cv_;
  int in_flight_ = 0;
  std::mt19937_64 rng_;  // guarded by mu_
};

}  // namespace rwkv::adapters
