// `replay:FILE` — recorded answers as a model: scores transcripts from elsewhere and gives tests
// a deterministic model.
//
// FILE is JSONL (one object per line) or YAML (a list of maps, or a map with key `answers`),
// each entry {id: "<suite>/<task>/<item>", prompt: "...", output: "..."}; `id` or `prompt` may be
// omitted but not both. A request is answered by its item id first, else by its exact prompt
// (prefix + prompt, or the chat rendered in RWKV form). An optional first entry
// {model: "name"} names the model the answers came from.
#pragma once

#include <memory>
#include <string>

#include "rwkv/adapters/model_adapter.h"

namespace rwkv::adapters {

// Errors name FILE and the line of a malformed entry.
StatusOr<std::unique_ptr<ModelAdapter>> OpenReplayModel(const std::string& path);

}  // namespace rwkv::adapters
