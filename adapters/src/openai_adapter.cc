#include "rwkv/adapters/openai_adapter.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>

#include "request_retry.h"
#include "response_cache.h"

namespace rwkv::adapters {

namespace {

using nlohmann::json;

constexpr const char* kDefaultBaseUrl = "https://api.openai.com/v1";
constexpr size_t kMaxStopSequences = 4;  // what the OpenAI API accepts
constexpr double kBytesPerToken = 4.0;   // rough estimate for the tokens/min limit
constexpr double kGreedySlack = 1e-6;    // logprob rounding in a server's JSON

// "http://h:1" -> "http://h:1/v1"; "http://h:1/v1/" -> "http://h:1/v1"; a full endpoint URL
// (".../completions") is cut back to its API root.
StatusOr<std::string> ApiRoot(std::string url) {
  if (url.empty()) url = kDefaultBaseUrl;
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos ||
      (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)) {
    return Status::InvalidArgument("base URL '" + url + "' must start with http:// or https://");
  }
  while (!url.empty() && url.back() == '/') url.pop_back();
  for (const std::string tail : {"/chat/completions", "/completions"}) {
    if (url.size() > tail.size() && url.compare(url.size() - tail.size(), tail.size(), tail) == 0) {
      url.resize(url.size() - tail.size());
      break;
    }
  }
  if (url.find('/', scheme + 3) == std::string::npos) url += "/v1";
  return url;
}

// Length in bytes of the text a token stands for: "bytes:\xNN\xNN" forms count one per escape.
size_t TokenTextLength(const std::string& token) {
  if (token.rfind("bytes:", 0) == 0) {
    size_t n = 0;
    for (size_t p = token.find("\\x"); p != std::string::npos; p = token.find("\\x", p + 2)) ++n;
    if (n > 0) return n;
  }
  return token.size();
}

// The first occurrence of any stop string: text cut there, true if cut.
bool CutAtStop(std::string* text, const std::vector<std::string>& stop) {
  size_t cut = std::string::npos;
  for (const std::string& s : stop) {
    if (s.empty()) continue;
    cut = std::min(cut, text->find(s));
  }
  if (cut == std::string::npos) return false;
  text->resize(cut);
  return true;
}

// A 400/404/422 answer: the server does not take the request as sent (messages from
// RequestSender read "...: HTTP <status>: ...").
bool RejectedRequest(const Status& s) {
  for (const char* code : {": HTTP 400:", ": HTTP 404:", ": HTTP 422:"}) {
    if (s.message().find(code) != std::string::npos) return true;
  }
  return false;
}

// The score of an empty continuation: probability 1.
LoglikelihoodResult EmptyScore() {
  LoglikelihoodResult r;
  r.is_greedy = true;
  return r;
}

class OpenAIAdapter : public ModelAdapter {
 public:
  OpenAIAdapter(OpenAIOptions opts, std::string root, std::string key,
                std::unique_ptr<ResponseCache> cache)
      : opts_(std::move(opts)),
        root_(std::move(root)),
        cache_(std::move(cache)),
        sender_(RetryPolicy{opts_.timeout_seconds, opts_.max_retries, opts_.initial_backoff_seconds,
                            opts_.max_backoff_seconds, opts_.max_retry_after_seconds},
                opts_.concurrency, opts_.requests_per_minute, opts_.tokens_per_minute,
                std::move(key), opts_.log) {
    info_.spec = "openai:" + opts_.model;
    info_.kind = "openai";
    info_.architecture = "remote";
    info_.description = "OpenAI-compatible API at " + root_ + ", model " + opts_.model;
  }

  const ModelInfo& info() const override { return info_; }

  Capabilities capabilities() const override {
    Capabilities c;
    c.generate = true;
    c.loglikelihood = !opts_.prompts_as_chat;
    c.rolling = false;  // the API gives no log-probability for a prompt's first token
    c.state_fork = false;
    c.max_parallel = std::max(1, opts_.concurrency);
    return c;
  }

  StatusOr<GenerateResult> Generate(const GenerateRequest& req) override {
    const GenerationParams& p = req.params;
    json body = {{"model", opts_.model},
                 {"max_tokens", p.max_tokens},
                 {"temperature", p.sampling.temperature}};
    if (p.sampling.top_p < 1.0f) body["top_p"] = p.sampling.top_p;
    if (p.sampling.top_k > 0) body["top_k"] = p.sampling.top_k;  // an extension some servers take
    if (p.sampling.presence_penalty != 0) body["presence_penalty"] = p.sampling.presence_penalty;
    if (p.sampling.frequency_penalty != 0) body["frequency_penalty"] = p.sampling.frequency_penalty;
    if (p.sampling.temperature > 0) body["seed"] = p.sampling.seed;
    json stop = json::array();
    for (const std::string& s : p.stop) {
      if (!s.empty() && stop.size() < kMaxStopSequences) stop.push_back(s);
    }
    if (!stop.empty()) body["stop"] = stop;

    const bool chat = !req.messages.empty() || opts_.prompts_as_chat;
    if (chat) {
      json messages = json::array();
      if (!req.messages.empty()) {
        for (const ChatMessage& m : req.messages) {
          messages.push_back({{"role", m.role}, {"content", m.content}});
        }
      } else {
        messages.push_back({{"role", "user"}, {"content", req.prefix + req.prompt}});
      }
      body["messages"] = messages;
    } else {
      body["prompt"] = req.prefix + req.prompt;
    }
    const std::string endpoint = chat ? "/chat/completions" : "/completions";
    bool cached = false;
    ASSIGN_OR_RETURN(json r, Call(
                                 endpoint, body, req.item_id, p.max_tokens,
                                 [chat](const json& j) -> Status {
                                   const json& c = j.at("choices").at(0);
                                   if (chat) {
                                     const json& content = c.at("message").at("content");
                                     if (!content.is_string() && !content.is_null()) {
                                       return Status::Corruption("message.content is not a string");
                                     }
                                   } else if (!c.at("text").is_string()) {
                                     return Status::Corruption("choices[0].text is not a string");
                                   }
                                   return Status::Ok();
                                 },
                                 &cached));
    const json& choice = r["choices"][0];
    GenerateResult out;
    if (chat) {
      const json& content = choice["message"]["content"];
      out.text = content.is_string() ? content.get<std::string>() : "";
    } else {
      out.text = choice["text"].get<std::string>();
    }
    out.finish_reason = choice.value("finish_reason", json()).is_string()
                            ? choice["finish_reason"].get<std::string>()
                            : "";
    if (CutAtStop(&out.text, p.stop)) out.finish_reason = "stop";
    out.prompt_tokens = static_cast<int>(std::max(0.0, UsageCount(r, "prompt_tokens")));
    out.output_tokens = static_cast<int>(std::max(0.0, UsageCount(r, "completion_tokens")));
    out.cached = cached;
    return out;
  }

  StatusOr<LoglikelihoodResult> Loglikelihood(const LoglikelihoodRequest& req) override {
    if (opts_.prompts_as_chat) {
      return Status::Unsupported(info_.spec +
                                 ": log-likelihood needs /v1/completions with prompt "
                                 "log-probabilities, and this model is used through chat only");
    }
    const std::string context = req.prefix + req.context;
    if (req.continuation.empty()) return EmptyScore();
    return ScoreEchoed(req.item_id, context, req.continuation);
  }

  StatusOr<LoglikelihoodResult> LoglikelihoodRolling(const std::string& item_id,
                                                     const std::string& text) override {
    if (text.empty()) return EmptyScore();
    return ScoreEchoed(item_id, "", text);
  }

 private:
  // POSTs `body` to root + endpoint through the cache. `check` validates the structure of a
  // response (a failing check is an error, never cached).
  StatusOr<json> Call(const std::string& endpoint, const json& body, const std::string& item_id,
                      int max_tokens, const std::function<Status(const json&)>& check,
                      bool* cached) {
    const std::string what =
        info_.spec + ": POST " + endpoint + (item_id.empty() ? "" : " (item " + item_id + ")");
    const std::string text = body.dump();
    const auto validate = [&](const json& j) -> Status {
      try {
        return check(j);
      } catch (const json::exception& e) {
        return Status::Corruption(std::string("unexpected response shape: ") + e.what());
      }
    };
    std::string key;
    if (cache_) {
      key = ResponseCache::Key("openai|" + root_ + "|" + endpoint, opts_.model, text);
      if (std::optional<std::string> hit = cache_->Get(key)) {
        try {
          json j = json::parse(*hit);
          if (validate(j).ok()) {
            *cached = true;
            return j;
          }
        } catch (const json::exception&) {
        }
        Log(what + ": ignoring an unreadable cache entry in " + cache_->path());
      }
    }
    const double estimate = static_cast<double>(text.size()) / kBytesPerToken + max_tokens;
    ASSIGN_OR_RETURN(json j, sender_.Send(root_ + endpoint, text, what, estimate));
    // A server that quotes the key back never gets it into results or the cache.
    const std::string received = j.dump();
    const std::string redacted = sender_.Redact(received);
    if (redacted != received) j = json::parse(redacted);
    Status valid = validate(j);
    if (!valid.ok()) {
      return Status(valid).WithContext(sender_.Redact(what));
    }
    if (cache_) {
      Status put = cache_->Put(key, opts_.model, text, j.dump());
      if (!put.ok()) Log(put.ToString());
    }
    *cached = false;
    return j;
  }

  // Sum of the echoed log-probabilities of `continuation`'s tokens after `context`.
  StatusOr<LoglikelihoodResult> ScoreEchoed(const std::string& item_id, const std::string& context,
                                            const std::string& continuation) {
    const json body = {{"model", opts_.model}, {"prompt", context + continuation},
                       {"max_tokens", 1},      {"temperature", 0},
                       {"echo", true},         {"logprobs", 1}};
    const std::string what = info_.spec + ": prompt log-probabilities" +
                             (item_id.empty() ? "" : " (item " + item_id + ")");
    bool cached = false;
    StatusOr<json> r = Call(
        "/completions", body, item_id, 1,
        [](const json& j) -> Status {
          const json& lp = j.at("choices").at(0).at("logprobs");
          if (lp.is_null()) return Status::Ok();  // judged below
          if (!lp.at("tokens").is_array() || !lp.at("token_logprobs").is_array() ||
              lp["tokens"].size() != lp["token_logprobs"].size()) {
            return Status::Corruption("logprobs.tokens/token_logprobs");
          }
          return Status::Ok();
        },
        &cached);
    if (!r.ok()) {
      // A server that rejects echo/logprobs requests cannot score continuations.
      if (r.status().code() == StatusCode::kInvalidArgument && RejectedRequest(r.status())) {
        return Status::Unsupported(r.status().message() +
                                   " — the server refuses prompt log-probabilities (echo + "
                                   "logprobs), so log-likelihood is not supported by this model");
      }
      return r.status();
    }
    const json& lp = (*r)["choices"][0]["logprobs"];
    if (lp.is_null()) {
      return Status::Unsupported(what +
                                 ": the server returned no log-probabilities for an echo + "
                                 "logprobs request; log-likelihood is not supported by this model");
    }
    const json& tokens = lp["tokens"];
    const json& logprobs = lp["token_logprobs"];
    const json offsets = lp.value("text_offset", json());
    const json tops = lp.value("top_logprobs", json());
    const bool have_offsets = offsets.is_array() && offsets.size() == tokens.size() &&
                              std::all_of(offsets.begin(), offsets.end(), [](const json& o) {
                                return o.is_number_unsigned() || o.is_number_integer();
                              });
    const size_t begin = context.size();
    const size_t end = begin + continuation.size();

    LoglikelihoodResult out;
    const bool have_tops = tops.is_array() && tops.size() == tokens.size();
    out.is_greedy = have_tops;
    size_t offset = 0;
    bool started = false;
    for (size_t i = 0; i < tokens.size(); ++i) {
      if (!tokens[i].is_string()) return Status::Corruption(what + ": a token is not a string");
      const int64_t given = have_offsets ? offsets[i].get<int64_t>() : 0;
      if (given < 0) return Status::Corruption(what + ": a negative text_offset");
      const size_t at = have_offsets ? static_cast<size_t>(given) : offset;
      offset = at + TokenTextLength(tokens[i].get<std::string>());
      if (at < begin) {
        if (offset > begin) {
          return Status::InvalidArgument(
              what + ": the server's token '" + tokens[i].get<std::string>() +
              "' spans the end of the context and the start of the continuation, so the "
              "continuation cannot be scored on its own");
        }
        continue;
      }
      if (at >= end) break;  // the generated token after the prompt
      if (!started && at != begin) {
        return Status::Corruption(what + ": no echoed token starts where the continuation does");
      }
      started = true;
      if (!logprobs[i].is_number()) {
        return Status::Unsupported(
            what + ": the server gives no log-probability for token " + std::to_string(i) +
            (i == 0 ? " (the first token of a prompt has none in this API, so a continuation "
                      "needs a non-empty context)"
                    : ""));
      }
      const double token_lp = logprobs[i].get<double>();
      out.logprob += token_lp;
      ++out.n_tokens;
      // The token is the argmax when no alternative listed at its position is more likely.
      bool greedy = have_tops;
      if (have_tops) {
        double best = -INFINITY;
        if (tops[i].is_object()) {
          for (const auto& kv : tops[i].items()) {
            if (kv.value().is_number()) best = std::max(best, kv.value().get<double>());
          }
        }
        greedy = token_lp >= best - kGreedySlack;
      }
      out.is_greedy = out.is_greedy && greedy;
      out.token_logprobs.push_back(token_lp);
      out.token_greedy.push_back(greedy);
    }
    if (!started) {
      return Status::Corruption(what + ": the echoed tokens do not cover the continuation");
    }
    return out;
  }

  void Log(const std::string& line) {
    if (opts_.log) {
      opts_.log(sender_.Redact(line));
    }
  }

  OpenAIOptions opts_;
  std::string root_;
  ModelInfo info_;
  std::unique_ptr<ResponseCache> cache_;
  RequestSender sender_;
};

}  // namespace

StatusOr<std::unique_ptr<ModelAdapter>> OpenOpenAIModel(const OpenAIOptions& options) {
  if (options.model.empty()) {
    return Status::InvalidArgument("openai: give the server's model name, as in openai:MODEL");
  }
  ASSIGN_OR_RETURN(std::string root, ApiRoot(options.base_url));
  std::string key;
  if (!options.api_key_env.empty()) {
    const char* v = std::getenv(options.api_key_env.c_str());
    if (v != nullptr) key = v;
  }
  if (options.base_url.empty() && key.empty()) {
    return Status::FailedPrecondition(
        "openai:" + options.model + ": the OpenAI API needs a key: set the environment variable " +
        (options.api_key_env.empty() ? std::string("named by the API key option")
                                     : "$" + options.api_key_env) +
        ", or give --base-url for a server without one");
  }
  std::unique_ptr<ResponseCache> cache;
  if (!options.cache_path.empty()) {
    ASSIGN_OR_RETURN(cache, ResponseCache::Open(options.cache_path));
  }
  OpenAIOptions opts = options;
  if (!opts.log) {
    opts.log = [](const std::string& line) {
      static std::mutex mu;
      std::lock_guard<std::mutex> lock(mu);
      std::cerr << line << "\n";
    };
  }
  return std::unique_ptr<ModelAdapter>(
      new OpenAIAdapter(std::move(opts), std::move(root), std::move(key), std::move(cache)));
}

}  // namespace rwkv::adapters
