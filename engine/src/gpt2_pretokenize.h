// Text preparation for GPT-2 style byte-level BPE: NFC normalization and the GPT-2
// pre-tokenization split.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace rwkv {

// Returns `text` in Unicode Normalization Form C. Bytes that are not well-formed UTF-8 are
// kept unchanged and normalization restarts after them.
std::string NormalizeNfc(std::string_view text);

// Splits `text` into the pieces matched by the GPT-2 pre-tokenization expression
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// applied repeatedly from the left (the first alternative that matches wins, each greedy).
// \s is Oniguruma's Unicode white space (U+0009..U+000D, U+0085, categories Zs, Zl, Zp).
// Bytes that are not well-formed UTF-8 count as [^\s\p{L}\p{N}]. Appends string_views into
// `text` to *pieces; their concatenation is `text`.
void SplitGpt2(std::string_view text, std::vector<std::string_view>* pieces);

}  // namespace rwkv
