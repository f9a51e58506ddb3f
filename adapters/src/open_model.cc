#include "rwkv/adapters/builtin_adapter.h"
#include "rwkv/adapters/default_model.h"
#include "rwkv/adapters/model_adapter.h"
#include "rwkv/adapters/openai_adapter.h"
#include "rwkv/adapters/replay_adapter.h"

namespace rwkv::adapters {

StatusOr<std::unique_ptr<ModelAdapter>> OpenModel(const std::string& spec,
                                                  const AdapterOptions& options) {
  if (spec.empty()) return Status::InvalidArgument("empty model spec");
  if (spec.rfind("replay:", 0) == 0) return OpenReplayModel(spec.substr(7));
  if (spec.rfind("openai:", 0) == 0) {
    OpenAIOptions o;
    o.model = spec.substr(7);
    o.base_url = options.base_url;
    o.api_key_env = options.api_key_env;
    o.concurrency = options.concurrency;
    o.cache_path = options.cache_path;
    o.timeout_seconds = options.timeout_seconds;
    o.max_retries = options.max_retries;
    o.initial_backoff_seconds = options.initial_backoff_seconds;
    o.requests_per_minute = options.requests_per_minute;
    o.tokens_per_minute = options.tokens_per_minute;
    return OpenOpenAIModel(o);
  }
  if (spec == kDefaultModelSpec) return OpenBuiltinModel(DefaultModelPath(), options);
  const std::string path = spec.rfind("rwkv:", 0) == 0 ? spec.substr(5) : spec;
  return OpenBuiltinModel(path, options);
}

}  // namespace rwkv::adapters
