// `openai:MODEL` — a model behind an OpenAI-compatible HTTP API (OpenAI, vLLM, llama.cpp,
// `rwkv-eval serve`, ...).
//
// Generation goes to /v1/completions (plain prompts) or /v1/chat/completions (chats, or every
// request with `prompts_as_chat`). Log-likelihood uses prompt log-probabilities: one
// /v1/completions request with echo=true, logprobs=1, max_tokens=1, scoring the echoed tokens
// of the continuation. Servers that refuse such requests or return no prompt log-probabilities
// give StatusCode::kUnsupported (never a guessed score). The first token of a prompt has no
// log-probability in this API, so a continuation with an empty context and rolling
// log-likelihood are kUnsupported unless the server provides one.
//
// Robustness: a total timeout per attempt; retries with exponential backoff and jitter on
// 408/409/425/429/5xx, connection errors, timeouts and unparseable responses, honouring
// Retry-After; at most `concurrency` requests in flight; optional requests/min and tokens/min
// limits. A request that never succeeds returns a Status naming the endpoint, item, HTTP status
// and server message: kIOError (transport, 5xx, 429 after all retries), kFailedPrecondition
// (401/403: the key), kInvalidArgument (other 4xx), kUnsupported (log-probabilities refused).
//
// Secrets: the API key is read once from the environment variable `api_key_env`, sent only in
// the Authorization header, and removed from every message the adapter produces (errors, log
// lines); it is never stored in the cache (which holds request bodies and responses).
//
// Cache: with `cache_path` set, successful responses are stored in SQLite keyed by adapter,
// base URL, endpoint, model and the full request JSON; a repeated request is answered from it
// without any HTTP traffic (GenerateResult::cached). Errors are never cached.
//
// Thread-safety: every method may be called from capabilities().max_parallel threads at once.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "rwkv/adapters/model_adapter.h"

namespace rwkv::adapters {

struct OpenAIOptions {
  std::string model;     // the server's model name (the part after "openai:")
  std::string base_url;  // "http://127.0.0.1:8080", ".../v1"; "" = https://api.openai.com/v1
  std::string api_key_env = "OPENAI_API_KEY";  // unset or empty variable: no Authorization
  int concurrency = 4;                         // requests in flight (>= 1)
  std::string cache_path;                      // "" = no response cache
  double timeout_seconds = 120;                // per attempt, whole exchange
  int max_retries = 6;                         // attempts after the first
  double initial_backoff_seconds = 1.0;        // delay before retry k: initial * 2^k, jittered
  double max_backoff_seconds = 60.0;
  double max_retry_after_seconds = 300.0;  // a longer Retry-After is shortened to this
  double requests_per_minute = 0;          // 0 = no limit
  double tokens_per_minute = 0;            // 0 = no limit (estimated: bytes/4 + max_tokens)
  bool prompts_as_chat = false;  // send plain prompts to /v1/chat/completions as a user message
  // Receives one line per retry and per cache problem; default: standard error. Never sees the
  // API key.
  std::function<void(const std::string&)> log;
};

// Errors: an empty model name or a malformed base URL; no key for the default (OpenAI) URL;
// a cache file that cannot be opened.
StatusOr<std::unique_ptr<ModelAdapter>> OpenOpenAIModel(const OpenAIOptions& options);

}  // namespace rwkv::adapters
