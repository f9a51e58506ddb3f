// One interface for every model the harness can evaluate: the built-in RWKV engine, remote
// OpenAI-compatible servers, and recorded transcripts.
//
// Requests carry text, never task types (a multiple-choice item becomes one log-likelihood
// request per option). An adapter that cannot serve a kind of request returns
// StatusCode::kUnsupported, which the harness reports as "not supported by this model"
// instead of a score. Thread-safety: see capabilities().max_parallel — calls may come from that
// many threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rwkv/sampler.h"
#include "rwkv/status.h"

namespace rwkv::adapters {

struct ChatMessage {
  std::string role;  // "system", "user", "assistant"
  std::string content;
};

struct GenerationParams {
  int max_tokens = 64;
  std::vector<std::string> stop;
  SamplingParams sampling;  // temperature 0 = greedy
};

struct GenerateRequest {
  std::string item_id;  // stable id of the suite item (replay adapters look answers up by it)
  // Plain prompt = prefix + prompt. `prefix` is the part shared by many requests (description,
  // few-shot examples); adapters with state fork evaluate it once.
  std::string prefix;
  std::string prompt;
  // If non-empty, a chat: each adapter renders it its own way (RWKV: "User: …\n\nAssistant:";
  // OpenAI-compatible servers: a messages array). prefix/prompt are then ignored.
  std::vector<ChatMessage> messages;
  GenerationParams params;
};

struct GenerateResult {
  std::string text;
  int prompt_tokens = 0;
  int output_tokens = 0;
  std::string finish_reason;  // "stop", "length"
  bool cached = false;        // served from a response cache
};

struct LoglikelihoodRequest {
  std::string item_id;
  std::string prefix;        // shared part of the context (may be empty)
  std::string context;       // the rest of the context
  std::string continuation;  // scored text
};

struct LoglikelihoodResult {
  double logprob = 0.0;    // sum of log-probabilities of the continuation's tokens
  bool is_greedy = false;  // every continuation token is the argmax at its position
  int n_tokens = 0;        // tokens in the continuation
  // Per-token log-probabilities of the continuation, where the adapter knows them (else empty).
  std::vector<double> token_logprobs;
  // Per-token "was the argmax" flags, parallel to token_logprobs.
  std::vector<bool> token_greedy;
};

struct Capabilities {
  bool generate = true;
  bool loglikelihood = false;  // log-prob of a continuation given a context
  bool rolling = false;        // log-likelihood of a whole document
  bool state_fork = false;     // sessions (NewSession) are available
  int max_parallel = 1;        // requests that may run at once
};

// A recurrent session (built-in engine): text appended so far, forkable. Not thread-safe.
class Session {
 public:
  virtual ~Session() = default;
  virtual Status Append(const std::string& text) = 0;
  // Tokens appended so far.
  virtual int64_t tokens() const = 0;
  // An independent copy of this session (O(state size)).
  virtual std::unique_ptr<Session> Fork() const = 0;
  // Log-likelihood of `continuation` after the session's text; the session is not advanced.
  virtual StatusOr<LoglikelihoodResult> Loglikelihood(const std::string& continuation) = 0;
  // Generates after the session's text; the session is not advanced.
  virtual StatusOr<GenerateResult> Generate(const GenerationParams& params) = 0;
};

// What a results file records about a model.
struct ModelInfo {
  std::string spec;          // as given on the command line, e.g. "models/x.bin", "openai:gpt-4o"
  std::string kind;          // "rwkv", "openai", "replay"
  std::string path;          // file path for file-backed models
  std::string sha256;        // of the model file, where there is one
  std::string format;        // "bin", "pth", ...
  std::string architecture;  // "v7", ...
  std::string description;   // one line
};

class ModelAdapter {
 public:
  virtual ~ModelAdapter() = default;
  virtual const ModelInfo& info() const = 0;
  virtual Capabilities capabilities() const = 0;
  virtual StatusOr<GenerateResult> Generate(const GenerateRequest& request) = 0;
  virtual StatusOr<LoglikelihoodResult> Loglikelihood(const LoglikelihoodRequest& request) {
    (void)request;
    return Status::Unsupported(info().spec + " does not support log-likelihood requests");
  }
  // Sum of log-probabilities of every token of `text` (first token given the model's start).
  virtual StatusOr<LoglikelihoodResult> LoglikelihoodRolling(const std::string& item_id,
                                                             const std::string& text) {
    (void)item_id;
    (void)text;
    return Status::Unsupported(info().spec + " does not support rolling log-likelihood");
  }
  // A fresh session, for adapters with capabilities().state_fork.
  virtual StatusOr<std::unique_ptr<Session>> NewSession() {
    return Status::Unsupported(info().spec + " has no recurrent state to fork");
  }
};

struct AdapterOptions {
  int threads = 0;        // engine threads (0: RWKV_EVAL_THREADS or all cores)
  std::string tokenizer;  // override the tokenizer chosen from the model ("" = auto)
  std::string base_url;   // remote adapters
  std::string api_key_env = "OPENAI_API_KEY";  // name of the variable holding the key
  int concurrency = 4;                         // remote adapters: requests in flight
  std::string cache_path;                      // remote adapters: response cache ("" = none)
  double timeout_seconds = 120;                // remote adapters: per request attempt
  int max_retries = 6;                         // remote adapters: attempts after the first
  double initial_backoff_seconds = 1.0;        // remote adapters: delay before the first retry
  double requests_per_minute = 0;              // remote adapters: limit (0 = none)
  double tokens_per_minute = 0;                // remote adapters: limit (0 = none)
};

// Opens a model from a spec: "replay:FILE", "openai:MODEL", "default" (the shipped model,
// default_model.h), or a path to a model file.
// Errors name the spec and what is wrong with it.
StatusOr<std::unique_ptr<ModelAdapter>> OpenModel(const std::string& spec,
                                                  const AdapterOptions& options);

// RWKV chat format: "User: …\n\nAssistant:" (system text first, as its own paragraph).
std::string RenderRwkvChat(const std::vector<ChatMessage>& messages);

}  // namespace rwkv::adapters
