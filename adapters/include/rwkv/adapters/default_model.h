// The model shipped with rwkv-eval (models/default/): a small RWKV-7 trained on the bundled
// suites' generators, evaluated when no model is named (model spec "default").
// Thread-safety: pure functions (reads the environment).
#pragma once

#include <string>

namespace rwkv::adapters {

// The model spec that names the shipped model.
inline constexpr const char* kDefaultModelSpec = "default";

// $RWKV_EVAL_DEFAULT_MODEL if set, else <source dir>/models/default/model.safetensors. The
// file may be absent (a source tree without the model); opening it then fails naming the path.
std::string DefaultModelPath();

}  // namespace rwkv::adapters
