// Training token streams read from files.
//
// Formats: "bytes" — every byte of the file is one token (vocabulary 256);
// "jsonl" — the "text" field of every JSON line, as bytes, documents separated by "\n\n";
// "u16" — little-endian uint16 token ids (the official RWKV binidx .bin payload).
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rwkv/status.h"

namespace rwkv::train {

// Errors name the file (and line for jsonl): unreadable, empty, a line without a string "text",
// an odd byte count for u16, an unknown format.
StatusOr<std::vector<int32_t>> LoadTrainingTokens(const std::string& path,
                                                  const std::string& format);

// The bytes of `text` as tokens 0..255.
std::vector<int32_t> BytesToTokens(const std::string& text);

}  // namespace rwkv::train
