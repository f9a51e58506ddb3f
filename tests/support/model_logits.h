// Running a model in tests: the logits after every token of a prompt.
#pragma once

#include <cstdint>
#include <vector>

#include "rwkv/forward.h"
#include "rwkv/model.h"

namespace rwkv::testing {

// Logits after every token of `ids` from the model's initial state ([ids.size()][n_vocab]),
// in sequence mode with the default chunk. A failed forward pass is a test failure (and an
// empty result).
std::vector<float> LogitsOf(const Model& m, const std::vector<int32_t>& ids);

}  // namespace rwkv::testing
