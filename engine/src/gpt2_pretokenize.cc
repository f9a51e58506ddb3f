#include "gpt2_pretokenize.h"

#include <utf8proc.h>

#include <algorithm>
#include <cstdlib>

#include "utf8.h"

namespace rwkv {

namespace {

// Appends the NFC form of `valid`, a well-formed UTF-8 run.
void AppendNfc(std::string_view valid, std::string* out) {
  utf8proc_uint8_t* mapped = nullptr;
  const utf8proc_ssize_t n =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(valid.data()),
                   static_cast<utf8proc_ssize_t>(valid.size()), &mapped,
                   static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  if (n < 0) {  // cannot happen for well-formed input; keep the text rather than lose it
    out->append(valid);
  } else {
    out->append(reinterpret_cast<const char*>(mapped), static_cast<size_t>(n));
  }
  std::free(mapped);
}

// Code points below U+0300 are unchanged by NFC, have combining class 0 and are never the
// second character of a composition: text can be cut before any of them.
constexpr int32_t kFirstNfcSensitive = 0x300;

enum class CharClass : unsigned char { kLetter, kNumber, kSpace, kOther };

CharClass Classify(int32_t cp) {
  if (cp < 0x80) {
    if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z')) return CharClass::kLetter;
    if (cp >= '0' && cp <= '9') return CharClass::kNumber;
    if (cp == ' ' || (cp >= 0x09 && cp <= 0x0d)) return CharClass::kSpace;
    return CharClass::kOther;
  }
  if (cp == utf8::kInvalid) return CharClass::kOther;
  if (cp == 0x85) return CharClass::kSpace;
  switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
      return CharClass::kLetter;
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
      return CharClass::kNumber;
    case UTF8PROC_CATEGORY_ZS:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
      return CharClass::kSpace;
    default:
      return CharClass::kOther;
  }
}

struct Char {
  CharClass cls;
  bool is_ascii_space;
  size_t len;
};

Char CharAt(std::string_view text, size_t pos) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data()) + pos;
  size_t len = 1;
  const int32_t cp = utf8::Decode(p, text.size() - pos, &len);
  return {Classify(cp), cp == ' ', len};
}

// Length of the contraction ('s 't 're 've 'm 'll 'd) at text[pos], or 0.
size_t ContractionLength(std::string_view text, size_t pos) {
  if (text[pos] != '\'' || pos + 1 >= text.size()) return 0;
  const char a = text[pos + 1];
  if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
  if (pos + 2 >= text.size()) return 0;
  const char b = text[pos + 2];
  if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
  return 0;
}

// End of the run of characters of class `cls` starting at `pos`.
size_t RunEnd(std::string_view text, size_t pos, CharClass cls) {
  while (pos < text.size()) {
    const Char c = CharAt(text, pos);
    if (c.cls != cls) break;
    pos += c.len;
  }
  return pos;
}

}  // namespace

std::string NormalizeNfc(std::string_view text) {
  // Only the stretches from the character before a code point >= U+0300 up to the next code
  // point below it (or an invalid byte) go through utf8proc; the rest is copied as it is.
  std::string out;
  out.reserve(text.size());
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t copied = 0;      // text[0, copied) is in `out`
  size_t last_start = 0;  // start of the latest character that later marks may compose with
  size_t pos = 0;
  while (pos < n) {
    if (p[pos] < 0x80) {
      last_start = pos++;
      continue;
    }
    size_t len = 1;
    const int32_t cp = utf8::Decode(p + pos, n - pos, &len);
    if (cp == utf8::kInvalid) {
      last_start = ++pos;  // kept as it is; nothing composes across it
      continue;
    }
    if (cp < kFirstNfcSensitive) {
      last_start = pos;
      pos += len;
      continue;
    }
    size_t end = pos + len;
    while (end < n) {
      const int32_t next = utf8::Decode(p + end, n - end, &len);
      if (next == utf8::kInvalid || next < kFirstNfcSensitive) break;
      end += len;
    }
    const size_t start = std::max(last_start, copied);
    out.append(text.substr(copied, start - copied));
    AppendNfc(text.substr(start, end - start), &out);
    copied = last_start = pos = end;
  }
  out.append(text.substr(copied));
  return out;
}

void SplitGpt2(std::string_view text, std::vector<std::string_view>* pieces) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = pos + ContractionLength(text, pos);
    if (end == pos) {
      const Char first = CharAt(text, pos);
      size_t start = pos;
      Char c = first;
      if (first.is_ascii_space && pos + 1 < text.size()) {
        const Char second = CharAt(text, pos + 1);
        if (second.cls != CharClass::kSpace) start = pos + 1, c = second;
      }
      if (c.cls != CharClass::kSpace) {
        end = RunEnd(text, start, c.cls);
      } else {
        // \s+(?!\S): the white-space run, less its last character when a non-space follows
        // and the run is longer than one; \s+ otherwise.
        end = RunEnd(text, pos, CharClass::kSpace);
        if (end < text.size()) {
          size_t last = pos;  // start of the run's last character
          for (size_t q = pos; q < end; q += CharAt(text, q).len) last = q;
          if (last > pos) end = last;
        }
      }
    }
    pieces->push_back(text.substr(pos, end - pos));
    pos = end;
  }
}

}  // namespace rwkv
