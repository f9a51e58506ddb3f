#include "gpt2_pretokenize.h"

#include <utf8proc.h>

#include <cstdlib>

#include "utf8.h"

namespace rwkv {

namespace {

// Appends the NFC form of `valid`, a well-formed UTF-8 run.
void AppendNfc(std::string_view valid, std::string* out) {
  // Every code point below U+0300 (lead bytes below 0xCC) is unchanged by NFC and never
  // combines with its neighbours, so such text needs no work.
  bool needs_work = false;
  const auto* p = reinterpret_cast<const unsigned char*>(valid.data());
  for (size_t i = 0; i < valid.size() && !needs_work; ++i) needs_work = p[i] >= 0xcc;
  if (!needs_work) {
    out->append(valid);
    return;
  }
  utf8proc_uint8_t* mapped = nullptr;
  const utf8proc_ssize_t n =
      utf8proc_map(p, static_cast<utf8proc_ssize_t>(valid.size()), &mapped,
                   static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  if (n < 0) {  // cannot happen for well-formed input; keep the text rather than lose it
    out->append(valid);
  } else {
    out->append(reinterpret_cast<const char*>(mapped), static_cast<size_t>(n));
  }
  std::free(mapped);
}

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
  std::string out;
  out.reserve(text.size());
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  size_t run_start = 0, pos = 0;
  while (pos < text.size()) {
    if (p[pos] < 0x80) {
      ++pos;
      continue;
    }
    size_t len = 1;
    if (utf8::Decode(p + pos, text.size() - pos, &len) != utf8::kInvalid) {
      pos += len;
      continue;
    }
    AppendNfc(text.substr(run_start, pos - run_start), &out);
    out.push_back(text[pos]);
    run_start = ++pos;
  }
  AppendNfc(text.substr(run_start), &out);
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
