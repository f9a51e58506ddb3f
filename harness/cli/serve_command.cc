// rwkv-eval serve: an OpenAI-compatible HTTP server around the built-in engine, so that other
// harnesses (and `--model openai:NAME --base-url URL`) can evaluate it.
#include <pthread.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "command.h"
#include "rwkv/adapters/openai_server.h"

namespace rwkv::cli {

namespace {
constexpr const char* kName = "serve";

bool IsLoopback(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host == "::1";
}
}  // namespace

int RunServe(const std::vector<std::string>& args) {
  std::string model_path, model_id, tokenizer, key_env;
  adapters::ServerOptions so;
  int threads = 0;
  size_t max_request_bytes = so.max_request_bytes;
  size_t prefix_cache_mb = so.prefix_cache_bytes >> 20;
  po::options_description o;
  o.add_options()("model,m", po::value(&model_path)->required(), "model file")(
      "port,p", po::value(&so.port)->default_value(8080), "TCP port (0: any free port)")(
      "host", po::value(&so.host)->default_value("127.0.0.1"),
      "address to bind (default: this machine only)")(
      "api-key-env", po::value(&key_env),
      "require 'Authorization: Bearer KEY' with KEY taken from this environment variable")(
      "max-tokens-limit", po::value(&so.max_tokens_limit)->default_value(so.max_tokens_limit),
      "largest max_tokens a request may ask for")(
      "max-request-bytes", po::value(&max_request_bytes)->default_value(max_request_bytes),
      "largest request body accepted")("threads,t", po::value(&threads)->default_value(0),
                                       "engine threads (0: RWKV_EVAL_THREADS or all cores)")(
      "http-threads", po::value(&so.http_threads)->default_value(so.http_threads),
      "connections served at once")("model-id", po::value(&model_id),
                                    "model name clients use (default: the file name)")(
      "tokenizer", po::value(&tokenizer), "tokenizer override (default: chosen from the model)")(
      "prefix-cache-mb", po::value(&prefix_cache_mb)->default_value(prefix_cache_mb),
      "memory for states after earlier prompts' prefixes, so prompts sharing a beginning skip it "
      "(0: off)");
  po::variables_map vm;
  int code = 0;
  if (!ParseArgs(kName, "--model MODEL [--port 8080] [--host 127.0.0.1] [--api-key-env VAR]",
                 "Serves MODEL through an OpenAI-compatible API: /v1/models, /v1/completions "
                 "(echo + logprobs), /v1/chat/completions, streaming with server-sent events. "
                 "Stops cleanly on SIGINT or SIGTERM.",
                 o, {}, args, &vm, &code)) {
    return code;
  }
  so.max_request_bytes = max_request_bytes;
  so.prefix_cache_bytes = prefix_cache_mb << 20;
  so.model_id = model_id;
  if (!key_env.empty()) {
    const char* key = std::getenv(key_env.c_str());
    if (key == nullptr || *key == '\0') {
      return Fail(kName, "--api-key-env " + key_env + ": the variable is not set or empty",
                  kExitUsage);
    }
    so.api_key = key;
  }
  if (!IsLoopback(so.host) && so.api_key.empty()) {
    std::cerr << "rwkv-eval serve: warning: listening on " << so.host
              << " without an API key; anyone who can reach it can use it\n";
  }

  // Signals go to a watcher thread only (blocked here before any thread starts).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  adapters::AdapterOptions ao;
  ao.threads = ResolveThreads(threads);
  ao.tokenizer = tokenizer;
  auto server = adapters::BindModelServer(model_path, ao, so);
  if (!server.ok()) return Fail(kName, server.status().ToString());
  adapters::OpenAIServer& s = **server;

  std::thread watcher([&s, signals] {
    int sig = 0;
    sigwait(&signals, &sig);
    s.Stop();
  });
  std::cerr << "rwkv-eval serve: serving " << s.options().model_id << " at http://" << so.host
            << ":" << s.port() << "/v1" << (so.api_key.empty() ? "" : " (API key required)")
            << "\n";
  const Status st = s.Run();
  pthread_kill(watcher.native_handle(), SIGTERM);  // wakes the watcher if no signal came
  watcher.join();
  std::cerr << "rwkv-eval serve: stopped\n";
  if (!st.ok()) return Fail(kName, st.ToString());
  return kExitOk;
}

}  // namespace rwkv::cli
