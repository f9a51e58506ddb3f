#include "request_retry.h"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <thread>

namespace rwkv::adapters {

namespace {

constexpr size_t kMaxQuotedBody = 300;

bool RetryableStatus(long status) {
  return status == 408 || status == 409 || status == 425 || status == 429 || status >= 500;
}

// The server's own explanation: error.message of an OpenAI-style error body, else the start of
// the body.
std::string ServerMessage(const std::string& body) {
  try {
    const nlohmann::json j = nlohmann::json::parse(body);
    if (j.is_object() && j.contains("error")) {
      const auto& e = j["error"];
      if (e.is_object() && e.contains("message") && e["message"].is_string()) {
        return e["message"].get<std::string>();
      }
      if (e.is_string()) return e.get<std::string>();
    }
  } catch (const nlohmann::json::exception&) {
  }
  std::string s = body.substr(0, kMaxQuotedBody);
  if (body.size() > kMaxQuotedBody) s += "...";
  for (char& c : s) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return s.empty() ? "(empty body)" : s;
}

std::string Seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f s", s);
  return buf;
}

}  // namespace

double UsageCount(const nlohmann::json& response, const char* field) {
  if (!response.is_object()) return -1;
  const auto usage = response.find("usage");
  if (usage == response.end() || !usage->is_object()) return -1;
  const auto n = usage->find(field);
  if (n == usage->end() || !n->is_number() || n->get<double>() < 0) return -1;
  return n->get<double>();
}

double ParseRetryAfter(const std::string& value) {
  if (value.empty()) return -1;
  char* end = nullptr;
  const double s = std::strtod(value.c_str(), &end);
  if (end != value.c_str() && *end == '\0') return s >= 0 ? s : -1;
  const time_t when = curl_getdate(value.c_str(), nullptr);
  if (when < 0) return -1;
  return std::max(0.0, std::difftime(when, std::time(nullptr)));
}

RequestSender::RequestSender(RetryPolicy policy, int concurrency, double requests_per_minute,
                             double tokens_per_minute, std::string secret,
                             std::function<void(const std::string&)> log)
    : policy_(policy),
      concurrency_(std::max(1, concurrency)),
      secret_(std::move(secret)),
      log_(std::move(log)),
      limiter_(requests_per_minute, tokens_per_minute),
      rng_(std::random_device{}()) {}

std::string RequestSender::Redact(std::string text) const {
  if (secret_.empty()) return text;
  for (size_t pos = text.find(secret_); pos != std::string::npos; pos = text.find(secret_, pos)) {
    text.replace(pos, secret_.size(), "[redacted]");
  }
  return text;
}

// min(max_backoff, initial * 2^retry) scaled by a uniform factor in [0.5, 1).
double RequestSender::Backoff(int retry) {
  const double base =
      std::min(policy_.max_backoff_seconds, policy_.initial_backoff_seconds * std::pow(2.0, retry));
  std::lock_guard<std::mutex> lock(mu_);
  return base * std::uniform_real_distribution<double>(0.5, 1.0)(rng_);
}

void RequestSender::EnterFlight() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return in_flight_ < concurrency_; });
  ++in_flight_;
}

void RequestSender::LeaveFlight() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    --in_flight_;
  }
  cv_.notify_one();
}

StatusOr<nlohmann::json> RequestSender::Send(const std::string& url, const std::string& body,
                                             const std::string& what, double estimated_tokens) {
  const long timeout_ms = std::max(1L, static_cast<long>(policy_.timeout_seconds * 1000));
  std::string last_error;
  for (int attempt = 0;; ++attempt) {
    limiter_.Acquire(estimated_tokens);
    EnterFlight();
    HttpResponse r = http_.PostJson(url, body, secret_, timeout_ms);
    LeaveFlight();

    double retry_after = -1;
    if (!r.transport_ok) {
      last_error = r.timed_out ? "timed out after " + Seconds(policy_.timeout_seconds)
                               : "connection failed: " + r.transport_error;
    } else if (r.status >= 200 && r.status < 300) {
      try {
        nlohmann::json j = nlohmann::json::parse(r.body);
        const double used = UsageCount(j, "total_tokens");
        if (used >= 0) limiter_.Settle(estimated_tokens, used);
        return j;
      } catch (const nlohmann::json::exception&) {
        last_error = "HTTP " + std::to_string(r.status) + " with a body that is not valid JSON (" +
                     std::to_string(r.body.size()) + " bytes)";
      }
    } else {
      last_error = "HTTP " + std::to_string(r.status) + ": " + ServerMessage(r.body);
      if (!RetryableStatus(r.status)) {
        const std::string msg = Redact(what + ": " + last_error);
        if (r.status == 401 || r.status == 403) {
          return Status::FailedPrecondition(msg + " (check the API key variable)");
        }
        return Status::InvalidArgument(msg);
      }
      retry_after = ParseRetryAfter(r.retry_after);
    }

    if (attempt >= policy_.max_retries) {
      return Status::IOError(Redact(what + ": " + last_error + " (gave up after " +
                                    std::to_string(attempt + 1) + " attempts)"));
    }
    double delay = Backoff(attempt);
    if (retry_after >= 0) delay = std::min(retry_after, policy_.max_retry_after_seconds);
    if (log_) {
      log_(Redact(what + ": " + last_error + "; retry " + std::to_string(attempt + 1) + "/" +
                  std::to_string(policy_.max_retries) + " in " + Seconds(delay)));
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(delay));
  }
}

}  // namespace rwkv::adapters
