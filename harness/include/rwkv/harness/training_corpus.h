// Training text made from the bundled suites' own generators, in the suites' own prompt format,
// never containing an evaluation item.
//
// Every generator task of the given suites (generate kind, not chat) is run again with training
// seeds (2^32 and above; suite files can only hold seeds below 2^31) and its items rendered as
// the harness renders a few-shot prompt: the task's prefix (description and fixed examples),
// then item after item, each as prompt + before_target + target + between_examples. A generated
// item whose rendered prompt equals the prompt of any evaluation item of the suites is held out
// (small problem spaces such as 1-digit sums do repeat). Passkey episodes follow the recall
// probe's wording (recall_probe.h) with a random amount of filler.
//
// The corpus is a list of episodes; training windows start at episode starts, so a model learns
// each format from the zero state, as it meets it in evaluation.
// Thread-safety: pure function.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "rwkv/harness/suite.h"
#include "rwkv/status.h"

namespace rwkv::harness {

// The episode kind of passkey retrieval, usable as a key of CorpusOptions::weights.
inline constexpr const char* kPasskeyEpisodes = "recall/passkey";

struct CorpusOptions {
  uint64_t seed = 0;
  size_t total_bytes = size_t{4} << 20;  // stop once the corpus is at least this long
  size_t episode_bytes = 513;            // episodes are at least this long (ctx + 1 tokens)
  // Relative share of episodes per "suite/task" (or kPasskeyEpisodes); unnamed ones get
  // default_weight; weight 0 leaves a task out.
  std::map<std::string, double> weights;
  double default_weight = 1.0;
};

struct TrainingCorpus {
  std::string text;
  std::vector<size_t> starts;            // byte offset of every episode, increasing
  std::map<std::string, int64_t> items;  // "suite/task" (or kPasskeyEpisodes) → items used
  int64_t held_out = 0;                  // generated items dropped as evaluation items
};

// Errors: a weight names no generator task of the suites (or is negative); no task has a
// positive weight; a generator or template error (naming the task).
StatusOr<TrainingCorpus> BuildTrainingCorpus(const std::vector<Suite>& suites,
                                             const CorpusOptions& options);

}  // namespace rwkv::harness
