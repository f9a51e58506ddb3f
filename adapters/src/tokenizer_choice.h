// Picks the tokenizer for a model (internal to adapters).
#pragma once

#include <memory>
#include <string>

#include "rwkv/model.h"
#include "rwkv/tokenizer.h"

namespace rwkv::adapters {

// `name` overrides the choice ("" = from the model's vocabulary size). Errors: no tokenizer
// fits, or the named one's vocabulary does not fit the model.
StatusOr<std::shared_ptr<const Tokenizer>> ChooseTokenizer(const Model& model,
                                                           const std::string& name);

}  // namespace rwkv::adapters
