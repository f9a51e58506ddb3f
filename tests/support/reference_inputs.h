// Inputs and comparisons shared by the tests that check logits against ../shared/reference.
#pragma once

#include <cstdint>
#include <vector>

namespace rwkv::testing {

// The bytes of reference/rwkv.cpp/prompt-seed.txt as byte-level token ids (0..255).
std::vector<int32_t> PromptBytes();

// The token ids of reference/mid/ids-visible.json (a flat JSON array of integers).
std::vector<int32_t> MidIds();

// Largest |a[i] - b[i]|; INFINITY if any difference is NaN. Expects equal sizes (a test failure
// otherwise) and compares the common prefix.
float MaxAbsDiff(const std::vector<float>& a, const std::vector<float>& b);

}  // namespace rwkv::testing
