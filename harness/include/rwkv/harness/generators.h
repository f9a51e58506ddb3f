// Named procedural item generators. Every generated item carries the answer the generator
// computed (field `answer`) next to its question (field `question`), so a suite can hold
// thousands of items with a trustworthy key. Deterministic: same name, seed, count and
// parameters → the same items on every platform (own integer RNG, no <random> distributions).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "rwkv/harness/suite.h"
#include "rwkv/status.h"

namespace rwkv::harness {

struct GeneratorParam {
  std::string name;
  std::string default_value;
  std::string help;  // the allowed values or range
};

struct GeneratorInfo {
  std::string name;
  std::string help;
  std::vector<GeneratorParam> params;
};

// Every generator, in documentation order:
//   arithmetic   — n-digit +, −, × ("What is 37 + 45?")
//   word_problem — multi-step word problems about people and objects
//   pattern      — rules shown by examples (digit concatenation, sequences, letters, lists)
//   code_trace   — generated Python or C programs; the answer is what they print
const std::vector<GeneratorInfo>& Generators();
const GeneratorInfo* FindGenerator(const std::string& name);

// Generates `count` items named "<id_prefix><index>" (index from 1). `params` must only hold
// names the generator declares (missing ones take their defaults). Errors: unknown generator,
// unknown parameter, a value out of range — messages name the parameter and its allowed values.
StatusOr<std::vector<Item>> RunGenerator(const std::string& name, uint64_t seed, int count,
                                         const std::map<std::string, std::string>& params,
                                         const std::string& id_prefix);

}  // namespace rwkv::harness
