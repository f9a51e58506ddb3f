#include "rwkv/adapters/builtin_adapter.h"
#include "rwkv/adapters/model_adapter.h"
#include "rwkv/adapters/replay_adapter.h"

namespace rwkv::adapters {

StatusOr<std::unique_ptr<ModelAdapter>> OpenModel(const std::string& spec,
                                                  const AdapterOptions& options) {
  if (spec.empty()) return Status::InvalidArgument("empty model spec");
  if (spec.rfind("replay:", 0) == 0) return OpenReplayModel(spec.substr(7));
  if (spec.rfind("openai:", 0) == 0) {
    return Status::Unsupported(spec +
                               ": the OpenAI-compatible adapter is not available in this build");
  }
  const std::string path = spec.rfind("rwkv:", 0) == 0 ? spec.substr(5) : spec;
  return OpenBuiltinModel(path, options);
}

}  // namespace rwkv::adapters
