#include "rwkv/adapters/builtin_adapter.h"

#include <list>
#include <map>
#include <mutex>

#include "engine_session.h"
#include "rwkv/adapters/file_digest.h"
#include "rwkv/forward.h"
#include "tokenizer_choice.h"

namespace rwkv::adapters {

namespace {

constexpr size_t kPrefixCacheEntries = 64;

class BuiltinAdapter : public ModelAdapter {
 public:
  BuiltinAdapter(std::shared_ptr<const Model> model, std::shared_ptr<const Tokenizer> tokenizer,
                 ModelInfo info)
      : model_(std::move(model)), tokenizer_(std::move(tokenizer)), info_(std::move(info)) {}

  const ModelInfo& info() const override { return info_; }

  Capabilities capabilities() const override {
    Capabilities c;
    c.generate = c.loglikelihood = c.rolling = c.state_fork = true;
    c.max_parallel = 1;  // the engine already uses every core for one request
    return c;
  }

  StatusOr<GenerateResult> Generate(const GenerateRequest& req) override {
    std::unique_ptr<EngineSession> s;
    if (!req.messages.empty()) {
      ASSIGN_OR_RETURN(s, Fresh());
      RETURN_IF_ERROR(s->Append(RenderRwkvChat(req.messages)));
    } else {
      ASSIGN_OR_RETURN(s, AfterPrefix(req.prefix));
      RETURN_IF_ERROR(s->Append(req.prompt));
    }
    return s->Generate(req.params);
  }

  StatusOr<LoglikelihoodResult> Loglikelihood(const LoglikelihoodRequest& req) override {
    ASSIGN_OR_RETURN(std::unique_ptr<EngineSession> s, AfterPrefix(req.prefix));
    RETURN_IF_ERROR(s->Append(req.context));
    return s->ScoreTokens(tokenizer_->Encode(req.continuation));
  }

  StatusOr<LoglikelihoodResult> LoglikelihoodRolling(const std::string& item_id,
                                                     const std::string& text) override {
    (void)item_id;
    ASSIGN_OR_RETURN(std::unique_ptr<EngineSession> s, Fresh());
    return s->ScoreTokens(tokenizer_->Encode(text));
  }

  StatusOr<std::unique_ptr<Session>> NewSession() override {
    ASSIGN_OR_RETURN(std::unique_ptr<EngineSession> s, Fresh());
    return std::unique_ptr<Session>(std::move(s));
  }

 private:
  StatusOr<std::unique_ptr<EngineSession>> Fresh() {
    return std::make_unique<EngineSession>(model_, tokenizer_);
  }

  // A fork of the session that has seen `prefix`, evaluating and caching it on first use.
  StatusOr<std::unique_ptr<EngineSession>> AfterPrefix(const std::string& prefix) {
    if (prefix.empty()) return Fresh();
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(prefix);
    if (it != cache_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second.lru);
      return it->second.session->ForkEngine();
    }
    auto s = std::make_unique<EngineSession>(model_, tokenizer_);
    RETURN_IF_ERROR(s->Append(prefix));
    auto fork = s->ForkEngine();
    lru_.push_front(prefix);
    cache_[prefix] = Entry{std::move(s), lru_.begin()};
    if (cache_.size() > kPrefixCacheEntries) {
      cache_.erase(lru_.back());
      lru_.pop_back();
    }
    return fork;
  }

  struct Entry {
    std::unique_ptr<EngineSession> session;
    std::list<std::string>::iterator lru;
  };

  std::shared_ptr<const Model> model_;
  std::shared_ptr<const Tokenizer> tokenizer_;
  ModelInfo info_;
  std::mutex mu_;
  std::map<std::string, Entry> cache_;
  std::list<std::string> lru_;  // most recently used first
};

std::string FormatOf(const std::string& path) {
  const size_t dot = path.find_last_of('.');
  return dot == std::string::npos ? "" : path.substr(dot + 1);
}

}  // namespace

std::unique_ptr<ModelAdapter> MakeBuiltinAdapter(std::shared_ptr<const Model> model,
                                                 std::shared_ptr<const Tokenizer> tokenizer,
                                                 ModelInfo info) {
  return std::make_unique<BuiltinAdapter>(std::move(model), std::move(tokenizer), std::move(info));
}

StatusOr<std::unique_ptr<ModelAdapter>> OpenBuiltinModel(const std::string& path,
                                                         const AdapterOptions& options) {
  if (options.threads > 0) SetThreads(options.threads);
  ASSIGN_OR_RETURN(std::shared_ptr<const Model> model, Model::Load(path));
  ASSIGN_OR_RETURN(std::shared_ptr<const Tokenizer> tokenizer,
                   ChooseTokenizer(*model, options.tokenizer));
  ModelInfo info;
  info.spec = path;
  info.kind = "rwkv";
  info.path = path;
  ASSIGN_OR_RETURN(info.sha256, Sha256File(path));
  info.format = FormatOf(path);
  info.architecture = ArchName(model->config().arch);
  info.description = model->Describe() + " tokenizer " + tokenizer->name();
  return MakeBuiltinAdapter(std::move(model), std::move(tokenizer), std::move(info));
}

}  // namespace rwkv::adapters
