// Models in tests: random-weight models made on the spot, and the logits after a prompt.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rwkv/forward.h"
#include "rwkv/model.h"
#include "rwkv/random_model.h"

namespace rwkv::testing {

// Logits after every token of `ids` from the model's initial state ([ids.size()][n_vocab]),
// in sequence mode with the default chunk. A failed forward pass is a test failure (and an
// empty result).
std::vector<float> LogitsOf(const Model& m, const std::vector<int32_t>& ids);

// Writes a random-weight model of `spec` into a fresh temporary folder named after `name` and
// loads it. A failure is a test failure (and nullptr).
std::shared_ptr<const Model> LoadRandomModel(const RandomModelSpec& spec, const std::string& name);

}  // namespace rwkv::testing
