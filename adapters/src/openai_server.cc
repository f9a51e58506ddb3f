#include "rwkv/adapters/openai_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <ctime>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "rwkv/adapters/prefix_state_cache.h"
#include "rwkv/forward.h"
#include "rwkv/generate.h"
#include "token_scoring.h"
#include "tokenizer_choice.h"

namespace rwkv::adapters {

namespace {

using nlohmann::json;

constexpr const char* kChatStop = "\n\nUser:";
constexpr int kDefaultMaxTokens = 16;  // the OpenAI completions default (chat: the server's
                                       // limit, the reply ending at "\n\nUser:")
constexpr int kKeepAliveSeconds = 2;
constexpr int kListenBacklog = 1024;

// An error answered to the client: HTTP status, message, OpenAI error type.
struct HttpError {
  int status = 400;
  std::string message;
  std::string type = "invalid_request_error";
};

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

void SendError(httplib::Response& res, const HttpError& e) {
  res.status = e.status;
  res.set_content(Dump({{"error", {{"message", e.message}, {"type", e.type}, {"code", e.status}}}}),
                  "application/json");
}

json Usage(size_t prompt_tokens, size_t completion_tokens) {
  return {{"prompt_tokens", prompt_tokens},
          {"completion_tokens", completion_tokens},
          {"total_tokens", prompt_tokens + completion_tokens}};
}

bool ValidUtf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t n = c < 0x80           ? 1
                     : (c >> 5) == 0x6  ? 2
                     : (c >> 4) == 0xE  ? 3
                     : (c >> 3) == 0x1E ? 4
                                        : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

// A token's text for logprobs: itself when valid UTF-8, else "bytes:\xNN..." as OpenAI does.
std::string TokenString(const Tokenizer& t, int32_t id) {
  const std::string bytes = t.TokenBytes(id);
  if (ValidUtf8(bytes)) return bytes;
  std::string out = "bytes:";
  char buf[8];
  for (unsigned char c : bytes) {
    std::snprintf(buf, sizeof buf, "\\x%02x", c);
    out += buf;
  }
  return out;
}

// Constant-time comparison of the presented and expected keys.
bool SameSecret(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) diff |= a[i] ^ b[i % (b.empty() ? 1 : b.size())];
  return diff == 0 && !b.empty();
}

// Sampling fields shared by both endpoints; max_tokens defaults to `default_max_tokens`.
// Returns an error for out-of-range values.
std::optional<HttpError> ReadGeneration(const json& body, const ServerOptions& limits,
                                        int default_max_tokens, GenerateOptions* g, bool* stream) {
  try {
    int max_tokens = default_max_tokens;
    for (const char* name : {"max_tokens", "max_completion_tokens"}) {
      if (body.contains(name) && !body[name].is_null()) max_tokens = body[name].get<int>();
    }
    if (max_tokens < 0) return HttpError{400, "max_tokens must be >= 0"};
    if (max_tokens > limits.max_tokens_limit) {
      return HttpError{400, "max_tokens " + std::to_string(max_tokens) +
                                " is above this server's limit of " +
                                std::to_string(limits.max_tokens_limit)};
    }
    g->max_tokens = max_tokens;
    g->sampling.temperature = body.value("temperature", 1.0f);
    g->sampling.top_p = body.value("top_p", 1.0f);
    g->sampling.top_k = body.value("top_k", 0);
    g->sampling.presence_penalty = body.value("presence_penalty", 0.0f);
    g->sampling.frequency_penalty = body.value("frequency_penalty", 0.0f);
    if (body.contains("seed") && !body["seed"].is_null()) {
      g->sampling.seed = body["seed"].get<uint64_t>();
    }
    if (g->sampling.temperature < 0 || g->sampling.top_p <= 0 || g->sampling.top_p > 1 ||
        g->sampling.top_k < 0) {
      return HttpError{400, "temperature must be >= 0, top_p in (0, 1], top_k >= 0"};
    }
    if (body.contains("stop") && !body["stop"].is_null()) {
      const json& s = body["stop"];
      if (s.is_string()) {
        g->stop.push_back(s.get<std::string>());
      } else {
        for (const json& x : s) g->stop.push_back(x.get<std::string>());
      }
    }
    if (body.contains("n") && !body["n"].is_null() && body["n"].get<int>() != 1) {
      return HttpError{400, "only n = 1 is supported"};
    }
    *stream = body.value("stream", false);
  } catch (const json::exception& e) {
    return HttpError{400, std::string("a generation field has the wrong type: ") + e.what()};
  }
  return std::nullopt;
}

// Text streamed so far, holding back what could still turn out to start a stop string.
class StopAwareStream {
 public:
  StopAwareStream(const std::vector<std::string>& stop,
                  std::function<bool(const std::string&)> emit)
      : stop_(stop), emit_(std::move(emit)) {
    for (const std::string& s : stop_) hold_ = std::max(hold_, s.empty() ? 0 : s.size() - 1);
  }
  bool Push(const std::string& piece) {
    text_ += piece;
    size_t safe = text_.size() > hold_ ? text_.size() - hold_ : 0;
    for (const std::string& s : stop_) {
      if (!s.empty()) safe = std::min(safe, text_.find(s));
    }
    while (safe > emitted_ && safe < text_.size() &&
           (static_cast<unsigned char>(text_[safe]) & 0xC0) == 0x80) {
      --safe;  // never split a UTF-8 character
    }
    return EmitUpTo(safe, text_);
  }
  // Emits the rest of the final text.
  bool Finish(const std::string& final_text) { return EmitUpTo(final_text.size(), final_text); }

 private:
  bool EmitUpTo(size_t end, const std::string& text) {
    if (end <= emitted_) return true;
    const bool ok = emit_(text.substr(emitted_, end - emitted_));
    emitted_ = end;
    return ok;
  }
  std::vector<std::string> stop_;
  std::function<bool(const std::string&)> emit_;
  size_t hold_ = 0;
  std::string text_;
  size_t emitted_ = 0;
};

// httplib listens with a backlog of 5, which drops connections when many clients arrive at
// once; this widens the queue of the bound socket.
class WideBacklogServer : public httplib::Server {
 public:
  void WidenBacklog(int n) { ::listen(svr_sock_, n); }
};

struct Generated {
  std::string text;
  std::vector<int32_t> tokens;
  std::string finish_reason;
  std::vector<int32_t> scored;     // tokens with log-probabilities: echoed prompt, then output
  std::vector<TokenScore> scores;  // parallel to `scored`
};

}  // namespace

struct OpenAIServer::Impl {
  std::shared_ptr<const Model> model;
  std::shared_ptr<const Tokenizer> tokenizer;
  ServerOptions options;
  WideBacklogServer http;
  int port = 0;
  std::mutex engine_mu;                            // one request in the engine at a time
  std::unique_ptr<PrefixStateCache> prefix_cache;  // guarded by engine_mu
  std::atomic<uint64_t> next_id{1};
  std::atomic<bool> run_started{false}, run_finished{false}, stop_requested{false};

  std::string NewId(const char* prefix) { return prefix + std::to_string(next_id++); }

  // Generates after `prompt` exactly as the built-in adapter does; with top_n >= 0 also scores
  // the generated tokens (and with `echo` the prompt's), evaluating the prompt only once.
  // REQUIRES: engine_mu held.
  StatusOr<Generated> RunGeneration(const std::vector<int32_t>& prompt, const GenerateOptions& g,
                                    int top_n = -1, bool echo = false) {
    State state = State::Initial(*model);
    std::vector<float> logits;
    Generated out;
    if (top_n >= 0 && echo && !prompt.empty()) {
      ASSIGN_OR_RETURN(out.scores, ScoreAndAdvance(*model, &state, &logits, prompt, top_n));
      out.scored = prompt;
    } else {
      const std::vector<int32_t> feed = prompt.empty() ? std::vector<int32_t>{0} : prompt;
      RETURN_IF_ERROR(EvaluatePrompt(feed, &state, &logits));
    }
    if (g.max_tokens == 0) {
      out.finish_reason = "length";
      return out;
    }
    State after_prompt = state;
    ASSIGN_OR_RETURN(GenerateOutput o, rwkv::Generate(*model, *tokenizer, &state, logits, g));
    out.text = std::move(o.text);
    out.tokens = std::move(o.tokens);
    out.finish_reason = o.finish_reason == "callback" ? "stop" : o.finish_reason;
    if (top_n >= 0) {
      ASSIGN_OR_RETURN(std::vector<TokenScore> scores,
                       ScoreAndAdvance(*model, &after_prompt, &logits, out.tokens, top_n));
      out.scores.insert(out.scores.end(), scores.begin(), scores.end());
      out.scored.insert(out.scored.end(), out.tokens.begin(), out.tokens.end());
    }
    return out;
  }

  // *state: from the initial state, the state after `feed`; *logits: after its last token. Starts
  // from the longest cached prefix (a multiple of the chunk size, so the chunks are the ones a
  // whole evaluation would use and the result is the same) and caches the state after every
  // chunk. REQUIRES: engine_mu held.
  Status EvaluatePrompt(const std::vector<int32_t>& feed, State* state,
                        std::vector<float>* logits) {
    PrefixStateCache& cache = *prefix_cache;
    const size_t start = cache.Lookup(feed, state);
    const std::vector<int32_t> rest(feed.begin() + static_cast<std::ptrdiff_t>(start), feed.end());
    ForwardOptions o;
    o.max_chunk = cache.stride();
    const auto prompt = std::make_shared<const std::vector<int32_t>>(feed);
    o.after_chunk = [&](size_t done, const State& after) {
      if (done % static_cast<size_t>(cache.stride()) == 0)
        cache.Insert(prompt, start + done, after);
    };
    return Forward(*model, state, rest, LogitsMode::kLast, logits, o);
  }

  bool Authorized(const httplib::Request& req) {
    if (options.api_key.empty()) return true;
    const std::string h = req.get_header_value("Authorization");
    const std::string bearer = "Bearer ";
    return h.rfind(bearer, 0) == 0 && SameSecret(h.substr(bearer.size()), options.api_key);
  }

  std::optional<HttpError> CheckModel(const json& body) {
    if (body.contains("model") && body["model"].is_string() &&
        body["model"].get<std::string>() != options.model_id) {
      return HttpError{404,
                       "model '" + body["model"].get<std::string>() +
                           "' is not served here; this server serves '" + options.model_id + "'",
                       "not_found_error"};
    }
    return std::nullopt;
  }

  static std::optional<HttpError> ParseBody(const httplib::Request& req, json* body) {
    try {
      *body = json::parse(req.body);
    } catch (const json::exception& e) {
      return HttpError{400, std::string("the request body is not valid JSON: ") + e.what()};
    }
    if (!body->is_object()) return HttpError{400, "the request body must be a JSON object"};
    return std::nullopt;
  }

  // The body, model check and generation fields every generating endpoint shares.
  std::optional<HttpError> ReadRequest(const httplib::Request& req, int default_max_tokens,
                                       json* body, GenerateOptions* g, bool* stream) {
    std::optional<HttpError> err = ParseBody(req, body);
    if (!err) err = CheckModel(*body);
    if (!err) err = ReadGeneration(*body, options, default_max_tokens, g, stream);
    return err;
  }

  static HttpError EngineError(const Status& s) {
    if (s.code() == StatusCode::kInvalidArgument) return HttpError{400, s.message()};
    return HttpError{500, s.ToString(), "server_error"};
  }

  // The prompts of a completions request: text or token ids, alone or in a list.
  std::optional<HttpError> ReadPrompts(const json& body, std::vector<std::vector<int32_t>>* ids,
                                       std::vector<std::string>* texts) {
    if (!body.contains("prompt")) return HttpError{400, "missing field 'prompt'"};
    const json& p = body["prompt"];
    const auto add_text = [&](const std::string& s) {
      texts->push_back(s);
      ids->push_back(tokenizer->Encode(s));
    };
    const auto add_ids = [&](const json& arr) -> bool {
      std::vector<int32_t> v;
      for (const json& x : arr) {
        if (!x.is_number_integer()) return false;
        const int64_t id = x.get<int64_t>();
        if (id < 0 || id >= model->config().n_vocab) return false;
        v.push_back(static_cast<int32_t>(id));
      }
      texts->push_back(tokenizer->Decode(v));
      ids->push_back(std::move(v));
      return true;
    };
    const HttpError bad{400,
                        "'prompt' must be a string, a list of strings, a list of token ids "
                        "in [0, " +
                            std::to_string(model->config().n_vocab) + "), or a list of such lists"};
    if (p.is_string()) {
      add_text(p.get<std::string>());
    } else if (p.is_array() && !p.empty() && p[0].is_number_integer()) {
      if (!add_ids(p)) return bad;
    } else if (p.is_array() && !p.empty()) {
      for (const json& x : p) {
        if (x.is_string()) {
          add_text(x.get<std::string>());
        } else if (!x.is_array() || !add_ids(x)) {
          return bad;
        }
      }
    } else {
      return bad;
    }
    return std::nullopt;
  }

  // logprobs object of one completion choice (OpenAI completions format); offsets count from
  // the start of the choice's text.
  json Logprobs(const Generated& gen) {
    json tokens = json::array(), lps = json::array(), tops = json::array(), offsets = json::array();
    size_t offset = 0;
    for (size_t i = 0; i < gen.scored.size(); ++i) {
      const TokenScore& score = gen.scores[i];
      tokens.push_back(TokenString(*tokenizer, gen.scored[i]));
      lps.push_back(score.logprob ? json(*score.logprob) : json());
      if (!score.logprob) {
        tops.push_back(json());
      } else {
        json t = json::object();
        for (const auto& [id, lp] : score.top) t[TokenString(*tokenizer, id)] = lp;
        tops.push_back(t);
      }
      offsets.push_back(offset);
      offset += tokenizer->TokenBytes(gen.scored[i]).size();
    }
    return json{{"tokens", tokens},
                {"token_logprobs", lps},
                {"top_logprobs", tops},
                {"text_offset", offsets}};
  }

  void Completions(const httplib::Request& req, httplib::Response& res) {
    json body;
    GenerateOptions g;
    bool stream = false;
    std::optional<HttpError> err = ReadRequest(req, kDefaultMaxTokens, &body, &g, &stream);
    std::vector<std::vector<int32_t>> prompts;
    std::vector<std::string> texts;
    if (!err) err = ReadPrompts(body, &prompts, &texts);
    bool echo = false;
    int top_n = -1;  // -1: no logprobs
    if (!err) {
      try {
        echo = body.value("echo", false);
        if (body.contains("logprobs") && !body["logprobs"].is_null()) {
          top_n = body["logprobs"].get<int>();
        }
      } catch (const json::exception& e) {
        err = HttpError{400, std::string("'echo' or 'logprobs' has the wrong type: ") + e.what()};
      }
    }
    if (!err && (top_n < -1 || top_n > options.max_top_logprobs)) {
      err = HttpError{400,
                      "logprobs must be between 0 and " + std::to_string(options.max_top_logprobs)};
    }
    if (!err && stream && (prompts.size() != 1 || top_n >= 0)) {
      err = HttpError{400, "streaming takes one prompt and no logprobs"};
    }
    if (err) return SendError(res, *err);
    const std::string id = NewId("cmpl-");
    const json head = {{"id", id}, {"created", std::time(nullptr)}, {"model", options.model_id}};
    if (stream) {
      StreamCompletion(res, head, prompts[0], echo ? texts[0] : "", g, false);
      return;
    }
    json choices = json::array();
    size_t prompt_tokens = 0, completion_tokens = 0;
    std::lock_guard<std::mutex> lock(engine_mu);
    for (size_t i = 0; i < prompts.size(); ++i) {
      StatusOr<Generated> gen = RunGeneration(prompts[i], g, top_n, echo);
      if (!gen.ok()) return SendError(res, EngineError(gen.status()));
      json choice = {{"index", i},
                     {"text", (echo ? texts[i] : "") + gen->text},
                     {"finish_reason", gen->finish_reason},
                     {"logprobs", top_n >= 0 ? Logprobs(*gen) : json()}};
      choices.push_back(std::move(choice));
      prompt_tokens += prompts[i].size();
      completion_tokens += gen->tokens.size();
    }
    json out = head;
    out["object"] = "text_completion";
    out["choices"] = std::move(choices);
    out["usage"] = Usage(prompt_tokens, completion_tokens);
    res.set_content(Dump(out), "application/json");
  }

  void ChatCompletions(const httplib::Request& req, httplib::Response& res) {
    json body;
    GenerateOptions g;
    bool stream = false;
    std::optional<HttpError> err = ReadRequest(req, options.max_tokens_limit, &body, &g, &stream);
    std::vector<ChatMessage> messages;
    if (!err) err = ReadMessages(body, &messages);
    if (!err && body.value("logprobs", false) == true) {
      err = HttpError{400, "logprobs are available from /v1/completions only"};
    }
    if (err) return SendError(res, *err);
    g.stop.push_back(kChatStop);
    const std::vector<int32_t> prompt = tokenizer->Encode(RenderRwkvChat(messages));
    const json head = {
        {"id", NewId("chatcmpl-")}, {"created", std::time(nullptr)}, {"model", options.model_id}};
    if (stream) {
      StreamCompletion(res, head, prompt, "", g, true);
      return;
    }
    StatusOr<Generated> gen = Status::Internal("not run");
    {
      std::lock_guard<std::mutex> lock(engine_mu);
      gen = RunGeneration(prompt, g);
    }
    if (!gen.ok()) return SendError(res, EngineError(gen.status()));
    json out = head;
    out["object"] = "chat.completion";
    out["choices"] = json::array({{{"index", 0},
                                   {"message", {{"role", "assistant"}, {"content", gen->text}}},
                                   {"finish_reason", gen->finish_reason}}});
    out["usage"] = Usage(prompt.size(), gen->tokens.size());
    res.set_content(Dump(out), "application/json");
  }

  static std::optional<HttpError> ReadMessages(const json& body, std::vector<ChatMessage>* out) {
    if (!body.contains("messages") || !body["messages"].is_array() || body["messages"].empty()) {
      return HttpError{400, "'messages' must be a non-empty list"};
    }
    for (const json& m : body["messages"]) {
      if (!m.is_object() || !m.contains("role") || !m["role"].is_string()) {
        return HttpError{400, "every message needs a 'role' string"};
      }
      ChatMessage cm;
      cm.role = m["role"].get<std::string>();
      if (cm.role == "developer") cm.role = "system";
      if (cm.role != "system" && cm.role != "user" && cm.role != "assistant") {
        return HttpError{400, "unknown message role '" + cm.role + "'"};
      }
      const json content = m.value("content", json());
      if (content.is_string()) {
        cm.content = content.get<std::string>();
      } else if (content.is_array()) {
        for (const json& part : content) {
          if (part.is_object() && part.value("type", "") == "text" && part.contains("text") &&
              part["text"].is_string()) {
            cm.content += part["text"].get<std::string>();
          } else {
            return HttpError{400, "only text message parts are supported"};
          }
        }
      } else if (!content.is_null()) {
        return HttpError{400, "message 'content' must be a string or a list of text parts"};
      }
      out->push_back(std::move(cm));
    }
    return std::nullopt;
  }

  // Answers with server-sent events: one "data: {chunk}" per piece of text, a final chunk with
  // the finish reason, then "data: [DONE]". Generation runs while the response is written.
  void StreamCompletion(httplib::Response& res, const json& head, std::vector<int32_t> prompt,
                        std::string echo_text, GenerateOptions g, bool chat) {
    res.set_header("Cache-Control", "no-cache");
    res.set_chunked_content_provider("text/event-stream", [this, head, prompt = std::move(prompt),
                                                           echo_text = std::move(echo_text), g,
                                                           chat](size_t,
                                                                 httplib::DataSink& sink) mutable {
      const auto send = [&](const json& j) {
        const std::string event = "data: " + Dump(j) + "\n\n";
        return sink.write(event.data(), event.size());
      };
      const auto chunk = [&](const json& delta_or_text, const json& finish) {
        json c = head;
        if (chat) {
          c["object"] = "chat.completion.chunk";
          c["choices"] =
              json::array({{{"index", 0}, {"delta", delta_or_text}, {"finish_reason", finish}}});
        } else {
          c["object"] = "text_completion";
          c["choices"] = json::array({{{"index", 0},
                                       {"text", delta_or_text},
                                       {"logprobs", json()},
                                       {"finish_reason", finish}}});
        }
        return send(c);
      };
      const auto piece = [&](const std::string& text) {
        return chunk(chat ? json{{"content", text}} : json(text), json());
      };
      bool open = chat ? chunk(json{{"role", "assistant"}, {"content", ""}}, json()) : true;
      if (open && !echo_text.empty()) open = piece(echo_text);
      StopAwareStream streamer(g.stop, piece);
      g.on_text = [&](const std::string& text) { return open = open && streamer.Push(text); };
      StatusOr<Generated> gen = Status::Internal("not run");
      {
        std::lock_guard<std::mutex> lock(engine_mu);
        gen = RunGeneration(prompt, g);
      }
      if (open && gen.ok() && streamer.Finish(gen->text)) {
        if (chunk(chat ? json::object() : json(""), gen->finish_reason)) {
          const std::string done = "data: [DONE]\n\n";
          sink.write(done.data(), done.size());
        }
      } else if (open && !gen.ok()) {
        send({{"error", {{"message", gen.status().ToString()}, {"type", "server_error"}}}});
      }
      sink.done();
      return true;
    });
  }

  void Models(httplib::Response& res) {
    json m = {{"id", options.model_id},
              {"object", "model"},
              {"created", 0},
              {"owned_by", "rwkv-eval"},
              {"description", model->Describe() + " tokenizer " + tokenizer->name()}};
    res.set_content(Dump({{"object", "list"}, {"data", json::array({m})}}), "application/json");
  }

  void Install() {
    const int threads = std::max(1, options.http_threads);
    http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    http.set_payload_max_length(options.max_request_bytes);
    http.set_keep_alive_timeout(kKeepAliveSeconds);
    http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (!Authorized(req)) {
        res.set_header("WWW-Authenticate", "Bearer");
        SendError(res, {401, "missing or wrong API key (send 'Authorization: Bearer KEY')",
                        "authentication_error"});
        return httplib::Server::HandlerResponse::Handled;
      }
      if (req.body.size() > options.max_request_bytes) {
        SendError(res, {413, "the request body is larger than this server's limit of " +
                                 std::to_string(options.max_request_bytes) + " bytes"});
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    http.Get("/v1/models",
             [this](const httplib::Request&, httplib::Response& res) { Models(res); });
    http.Post("/v1/completions", [this](const httplib::Request& req, httplib::Response& res) {
      Completions(req, res);
    });
    http.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
      ChatCompletions(req, res);
    });
    // Errors raised by the HTTP layer itself (unknown path, body too large) get a JSON body.
    http.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return;
      std::string msg = "HTTP " + std::to_string(res.status);
      if (res.status == 404) msg = "no endpoint " + req.method + " " + req.path;
      if (res.status == 413) {
        msg = "the request body is larger than this server's limit of " +
              std::to_string(options.max_request_bytes) + " bytes";
      }
      SendError(res, {res.status, msg});
    });
    http.set_exception_handler(
        [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
          std::string what = "internal error";
          try {
            std::rethrow_exception(ep);
          } catch (const std::exception& e) {
            what = e.what();
          } catch (...) {
          }
          SendError(res, {500, what, "server_error"});
        });
  }
};

OpenAIServer::OpenAIServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OpenAIServer::~OpenAIServer() { Stop(); }

int OpenAIServer::port() const { return impl_->port; }
const ServerOptions& OpenAIServer::options() const { return impl_->options; }

StatusOr<std::unique_ptr<OpenAIServer>> OpenAIServer::Bind(
    std::shared_ptr<const Model> model, std::shared_ptr<const Tokenizer> tokenizer,
    ServerOptions options) {
  if (options.port < 0 || options.port > 65535) {
    return Status::InvalidArgument("port " + std::to_string(options.port) + " is out of range");
  }
  if (options.max_tokens_limit < 0 || options.max_request_bytes == 0) {
    return Status::InvalidArgument("max tokens limit and max request bytes must be positive");
  }
  auto impl = std::make_unique<Impl>();
  impl->model = std::move(model);
  impl->tokenizer = std::move(tokenizer);
  if (options.model_id.empty()) options.model_id = "rwkv";
  impl->options = std::move(options);
  impl->prefix_cache = std::make_unique<PrefixStateCache>(impl->options.prefix_cache_bytes,
                                                          ForwardOptions().max_chunk);
  impl->Install();
  const ServerOptions& o = impl->options;
  if (o.port == 0) {
    impl->port = impl->http.bind_to_any_port(o.host);
    if (impl->port <= 0) return Status::IOError("cannot bind " + o.host + " on a free port");
  } else {
    if (!impl->http.bind_to_port(o.host, o.port)) {
      return Status::IOError("cannot bind " + o.host + ":" + std::to_string(o.port) +
                             " (address in use or not local?)");
    }
    impl->port = o.port;
  }
  impl->http.WidenBacklog(kListenBacklog);
  return std::unique_ptr<OpenAIServer>(new OpenAIServer(std::move(impl)));
}

Status OpenAIServer::Run() {
  impl_->run_started = true;
  if (impl_->stop_requested) return Status::Ok();
  const bool ok = impl_->http.listen_after_bind();
  impl_->run_finished = true;
  if (!ok && !impl_->stop_requested) {
    return Status::IOError("the server on " + impl_->options.host + ":" +
                           std::to_string(impl_->port) + " stopped accepting connections");
  }
  return Status::Ok();
}

void OpenAIServer::Stop() {
  impl_->stop_requested = true;
  if (!impl_->run_started) return;
  // Run may not have reached its accept loop yet; stop() only acts on a running server.
  while (!impl_->http.is_running() && !impl_->run_finished) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  impl_->http.stop();
}

uint64_t OpenAIServer::prefix_cache_hit_tokens() const {
  std::lock_guard<std::mutex> lock(impl_->engine_mu);
  return impl_->prefix_cache->hit_tokens();
}

StatusOr<std::unique_ptr<OpenAIServer>> BindModelServer(const std::string& path,
                                                        const AdapterOptions& adapter_options,
                                                        ServerOptions options) {
  if (adapter_options.threads > 0) SetThreads(adapter_options.threads);
  ASSIGN_OR_RETURN(std::shared_ptr<const Model> model, Model::Load(path));
  ASSIGN_OR_RETURN(std::shared_ptr<const Tokenizer> tokenizer,
                   ChooseTokenizer(*model, adapter_options.tokenizer));
  if (options.model_id.empty()) {
    const size_t slash = path.find_last_of('/');
    options.model_id = slash == std::string::npos ? path : path.substr(slash + 1);
  }
  return OpenAIServer::Bind(std::move(model), std::move(tokenizer), std::move(options));
}

}  // namespace rwkv::adapters
