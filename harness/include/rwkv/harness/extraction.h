// Answer extraction: a named pipeline of steps turns raw model output into the answer that is
// scored. Steps (ExtractStep::op):
//   regex        — the first (or, with last, the last) match of `regex`; capture `group`;
//                  "" when nothing matches
//   first_line   — leading whitespace removed, then text up to the first newline
//   strip        — surrounding whitespace removed
//   lowercase    — ASCII lowercase
//   numeric      — a number normalized: "$1,234." → "1234", "78.0" → "78", "zero" → "0";
//                  text that is not one number is left as it is (stripped)
//   number       — the first (last with `last`) number in the text, digits or an English number
//                  word ("two", "twenty-one"), normalized as by `numeric`; "" when none
//   boxed        — the content of the last \boxed{...} (braces balanced); "" when none
#pragma once

#include <string>
#include <vector>

#include "rwkv/harness/suite.h"
#include "rwkv/status.h"

namespace rwkv::harness {

// Every step name, for validation and documentation.
const std::vector<std::string>& ExtractStepNames();

// Checks a step (known op, compilable regex, group within the regex's groups).
Status ValidateStep(const ExtractStep& step);

// Runs the pipeline over `text`. REQUIRES: every step validated.
std::string Extract(const ExtractPipeline& pipeline, const std::string& text);

// The `numeric` step on its own.
std::string NormalizeNumber(const std::string& text);

// English number word ("zero" … "ninety-nine", "hundred", "thousand") → value; -1 if not one.
long long NumberWordValue(const std::string& word);

}  // namespace rwkv::harness
