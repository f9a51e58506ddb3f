// The built-in RWKV engine behind the ModelAdapter interface.
//
// Prompts split into a shared `prefix` and the rest: the prefix is tokenized and evaluated once
// and its state is cached (least recently used, bounded), then forked for every request that
// shares it. Prefix and rest are tokenized separately (byte-level models are unaffected).
// A context that is empty starts from token 0, the end-of-text token RWKV models are trained
// to see between documents.
#pragma once

#include <memory>
#include <string>

#include "rwkv/adapters/model_adapter.h"
#include "rwkv/model.h"
#include "rwkv/tokenizer.h"

namespace rwkv::adapters {

// Loads the model file at `path`. Errors: those of Model::Load, or no tokenizer fits the model.
StatusOr<std::unique_ptr<ModelAdapter>> OpenBuiltinModel(const std::string& path,
                                                         const AdapterOptions& options);

// The same over an already loaded model and tokenizer (tests, servers). `spec` names it.
std::unique_ptr<ModelAdapter> MakeBuiltinAdapter(std::shared_ptr<const Model> model,
                                                 std::shared_ptr<const Tokenizer> tokenizer,
                                                 ModelInfo info);

}  // namespace rwkv::adapters
