// UTF-8 encoding and decoding of single code points (internal to the tokenizers).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace rwkv::utf8 {

// Appends the UTF-8 encoding of `cp` (REQUIRES: cp <= 0x10FFFF).
inline void Append(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out->push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

inline constexpr int32_t kInvalid = -1;

// Decodes the code point starting at s[0] (n > 0 bytes available) and stores its byte length
// in *len. Returns kInvalid with *len = 1 for a byte that does not start a well-formed
// sequence (stray continuation, overlong form, surrogate, beyond U+10FFFF, truncated).
inline int32_t Decode(const unsigned char* s, size_t n, size_t* len) {
  const unsigned char c = s[0];
  *len = 1;
  if (c < 0x80) return c;
  size_t need;
  uint32_t cp;
  uint32_t min;
  if (c >= 0xc2 && c < 0xe0) {
    need = 2, cp = c & 0x1f, min = 0x80;
  } else if (c >= 0xe0 && c < 0xf0) {
    need = 3, cp = c & 0x0f, min = 0x800;
  } else if (c >= 0xf0 && c < 0xf5) {
    need = 4, cp = c & 0x07, min = 0x10000;
  } else {
    return kInvalid;
  }
  if (n < need) return kInvalid;
  for (size_t i = 1; i < need; ++i) {
    if ((s[i] & 0xc0) != 0x80) return kInvalid;
    cp = (cp << 6) | (s[i] & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) return kInvalid;
  *len = need;
  return static_cast<int32_t>(cp);
}

}  // namespace rwkv::utf8
