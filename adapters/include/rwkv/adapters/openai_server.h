// An OpenAI-compatible HTTP server around the built-in engine (`rwkv-eval serve`).
//
// Endpoints: GET /v1/models; POST /v1/completions (prompt as text, token ids, or a list of
// either; echo + logprobs give the prompt's token log-probabilities, the first token having
// none as in the OpenAI API); POST /v1/chat/completions (messages rendered in RWKV's
// "User: …\n\nAssistant:" form, "\n\nUser:" added to the stop strings; without max_tokens a
// reply runs to its end or to max_tokens_limit). Completions default to max_tokens 16. Both stream
// with server-sent events when "stream": true. Generation is exactly the built-in adapter's (an
// empty prompt starts from the end-of-text token 0), so greedy answers agree with it.
//
// Limits: requests larger than max_request_bytes get 413, max_tokens above max_tokens_limit or
// malformed JSON get 400, a missing or wrong key gets 401; every error body is OpenAI-shaped
// JSON {"error": {"message", "type", "code"}}. Connections are served by a pool of threads;
// the engine runs one request at a time (a mutex), so concurrent clients queue.
// Thread-safety: Stop() may be called from any thread (e.g. a signal watcher).
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "rwkv/adapters/model_adapter.h"
#include "rwkv/model.h"
#include "rwkv/tokenizer.h"

namespace rwkv::adapters {

struct ServerOptions {
  std::string host = "127.0.0.1";  // never 0.0.0.0 unless asked
  int port = 8080;                 // 0 = any free port (see OpenAIServer::port)
  std::string model_id;            // name in /v1/models and responses; requests naming
                                   // another model get 404
  std::string api_key;             // "" = no authentication, else "Bearer KEY" required
  int max_tokens_limit = 4096;
  size_t max_request_bytes = 1 << 20;
  int http_threads = 16;  // connections served at once
  int max_top_logprobs = 20;
  // States after earlier prompts' prefixes (multiples of 128 tokens), so that prompts sharing a
  // beginning are evaluated from where they part; 0 disables. Results are bit-identical either
  // way: evaluation runs in the same 128-token chunks.
  size_t prefix_cache_bytes = size_t{256} << 20;
};

class OpenAIServer {
 public:
  // Binds host:port. Errors: the address is taken or invalid; options out of range.
  static StatusOr<std::unique_ptr<OpenAIServer>> Bind(std::shared_ptr<const Model> model,
                                                      std::shared_ptr<const Tokenizer> tokenizer,
                                                      ServerOptions options);
  ~OpenAIServer();

  int port() const;
  const ServerOptions& options() const;
  // Serves until Stop(). Errors: the listening socket failed.
  Status Run();
  // Ends Run(): stops accepting, lets requests in progress finish. Idempotent.
  void Stop();
  // Prompt tokens whose evaluation the prefix cache saved so far. Thread-safe.
  uint64_t prefix_cache_hit_tokens() const;

 private:
  struct Impl;
  explicit OpenAIServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Loads the model file at `path` with its tokenizer (AdapterOptions::tokenizer, ::threads) and
// binds a server for it. model_id defaults to the file name.
StatusOr<std::unique_ptr<OpenAIServer>> BindModelServer(const std::string& path,
                                                        const AdapterOptions& adapter_options,
                                                        ServerOptions options);

}  // namespace rwkv::adapters
