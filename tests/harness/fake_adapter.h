// A deterministic in-test model for harness tests: answers come from a function of the
// request, log-likelihoods from a hash of the text; it counts calls and can be told to stop.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "rwkv/adapters/model_adapter.h"

namespace rwkv::testing {

// Deterministic pseudo log-prob in (-10, 0) from a string (FNV-1a).
inline double FakeLogprob(const std::string& s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return -static_cast<double>(h % 10000) / 1000.0 - 0.001;
}

class FakeSession;

class FakeAdapter : public adapters::ModelAdapter {
 public:
  FakeAdapter() {
    info_.spec = "fake";
    info_.kind = "fake";
    info_.description = "in-test model";
  }
  const adapters::ModelInfo& info() const override { return info_; }
  adapters::Capabilities capabilities() const override { return caps; }

  StatusOr<adapters::GenerateResult> Generate(const adapters::GenerateRequest& r) override {
    RETURN_IF_ERROR(Tick());
    {
      std::lock_guard<std::mutex> lock(mu);
      prompts[r.item_id] = r.prefix + "\x1f" + r.prompt;
    }
    adapters::GenerateResult out;
    out.text = answer ? answer(r) : "42";
    out.output_tokens = static_cast<int>(out.text.size());
    out.prompt_tokens = static_cast<int>(r.prefix.size() + r.prompt.size());
    return out;
  }

  StatusOr<adapters::LoglikelihoodResult> Loglikelihood(
      const adapters::LoglikelihoodRequest& r) override {
    if (!caps.loglikelihood) return Status::Unsupported("fake: no log-likelihood");
    RETURN_IF_ERROR(Tick());
    ++loglikelihood_calls;
    adapters::LoglikelihoodResult out;
    out.logprob = FakeLogprob(r.prefix + r.context + "|" + r.continuation);
    out.is_greedy = out.logprob > -5;
    out.n_tokens = static_cast<int>(r.continuation.size());
    return out;
  }

  StatusOr<adapters::LoglikelihoodResult> LoglikelihoodRolling(const std::string& item_id,
                                                               const std::string& text) override {
    (void)item_id;
    if (!caps.rolling) return Status::Unsupported("fake: no rolling log-likelihood");
    RETURN_IF_ERROR(Tick());
    adapters::LoglikelihoodResult out;
    out.logprob = -0.5 * static_cast<double>(text.size());
    out.n_tokens = static_cast<int>(text.size());
    return out;
  }

  StatusOr<std::unique_ptr<adapters::Session>> NewSession() override;

  // Counts a call; after `fail_after` calls every call fails and `cancel` is raised.
  Status Tick() {
    const int n = ++calls;
    if (fail_after > 0 && n > fail_after) {
      if (cancel) cancel->store(true);
      return Status::IOError("fake: stopped after " + std::to_string(fail_after) + " calls");
    }
    return Status::Ok();
  }

  adapters::Capabilities caps;
  std::function<std::string(const adapters::GenerateRequest&)> answer;
  std::atomic<int> calls{0};
  std::atomic<int> loglikelihood_calls{0};
  std::atomic<int> sessions_created{0};
  int fail_after = 0;
  std::atomic<bool>* cancel = nullptr;
  std::mutex mu;
  std::map<std::string, std::string> prompts;  // item id → prefix \x1f prompt

 private:
  adapters::ModelInfo info_;
};

// Session: accumulates text; log-likelihoods hash the same string as FakeAdapter, so both
// paths give identical numbers.
class FakeSession : public adapters::Session {
 public:
  explicit FakeSession(FakeAdapter* owner) : owner_(owner) {}
  Status Append(const std::string& text) override {
    // The adapter hashes prefix + context; a session sees them in one string.
    text_ += text;
    return Status::Ok();
  }
  int64_t tokens() const override { return static_cast<int64_t>(text_.size()); }
  std::unique_ptr<adapters::Session> Fork() const override {
    auto s = std::make_unique<FakeSession>(owner_);
    s->text_ = text_;
    return s;
  }
  StatusOr<adapters::LoglikelihoodResult> Loglikelihood(const std::string& c) override {
    RETURN_IF_ERROR(owner_->Tick());
    adapters::LoglikelihoodResult out;
    out.logprob = FakeLogprob(text_ + "|" + c);
    out.is_greedy = out.logprob > -5;
    out.n_tokens = static_cast<int>(c.size());
    return out;
  }
  StatusOr<adapters::GenerateResult> Generate(const adapters::GenerationParams&) override {
    return Status::Unsupported("fake session: no generation");
  }

 private:
  FakeAdapter* owner_;
  std::string text_;
};

inline StatusOr<std::unique_ptr<adapters::Session>> FakeAdapter::NewSession() {
  if (!caps.state_fork) return Status::Unsupported("fake: no state");
  ++sessions_created;
  return std::unique_ptr<adapters::Session>(new FakeSession(this));
}

}  // namespace rwkv::testing
