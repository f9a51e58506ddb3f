// Scorers compare an extracted answer with the target and give a score in [0, 1]:
//   exact       — equal strings (ignore_case: ASCII case-insensitive)
//   contains    — the target occurs in the answer
//   regex       — the answer matches `pattern` somewhere (the target is not used)
//   numeric     — both parse as numbers (after numeric normalization) and differ by at most
//                 `tolerance`; 0 when either does not parse
//   code_output — program outputs equal after normalizing line ends, trailing spaces and
//                 surrounding blank lines
//   token_f1    — F1 of the bags of lowercase words (punctuation removed), as in SQuAD
// Choice accuracy (acc, acc_norm) is not a scorer: choice tasks always report it.
#pragma once

#include <string>
#include <vector>

#include "rwkv/harness/suite.h"
#include "rwkv/status.h"

namespace rwkv::harness {

const std::vector<std::string>& ScorerNames();

// Checks the scorer's type and parameters (a compilable pattern for regex, tolerance >= 0).
Status ValidateScorer(const Scorer& scorer);

// REQUIRES: ValidateScorer(scorer).ok().
double Score(const Scorer& scorer, const std::string& answer, const std::string& target);

}  // namespace rwkv::harness
