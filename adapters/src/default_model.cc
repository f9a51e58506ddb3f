#include "rwkv/adapters/default_model.h"

#include <cstdlib>

namespace rwkv::adapters {

std::string DefaultModelPath() {
  const char* env = std::getenv("RWKV_EVAL_DEFAULT_MODEL");
  if (env && *env) return env;
  return std::string(RWKV_EVAL_SOURCE_DIR) + "/models/default/model.safetensors";
}

}  // namespace rwkv::adapters
