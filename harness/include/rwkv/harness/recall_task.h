// Suite tasks of kind `recall`: the memory-decay probes of recall_probe.h as suite items.
//
// A recall task's items are its checkpoints, with stable ids: "passkey-t0-d64" (probe, trial,
// grid distance), "needle-t0-L1024-p50" (trial, haystack length, depth in percent) and, for
// the per-position loss, "doc0-p64" (document, first position of the bucket). Items that one
// model pass produces together share a "unit" field (a trial, a needle cell, a document); the
// runner executes a unit at once (see recall_executor.h).
#pragma once

#include <string>
#include <vector>

#include "rwkv/harness/recall_probe.h"

namespace rwkv::harness {

struct Item;
struct MetricDef;

struct RecallTaskSpec {
  // "passkey", "needle", "multikey", "multivalue", "variable_tracking" or "position_loss".
  std::string probe = "passkey";
  RecallSpec spec;  // the probe (not position_loss)
  // Accuracy threshold of the RULER-style effective length.
  double effective_threshold = 0.85;
  // position_loss: the texts scored, each in one pass.
  std::vector<std::string> documents;

  bool position_loss() const { return probe == "position_loss"; }
};

// The checkpoints of a recall task as items (ids above; fields "unit", "trial", "target",
// "depth", "length", "document", "start").
std::vector<Item> RecallItems(const RecallTaskSpec& task);

// The metrics a recall task reports. Probes: "accuracy" (Wilson interval), "accuracy@D" per
// grid distance (or haystack length), "answer_logprob"; distance probes also the summary
// numbers "distance_90pct", "distance_50pct" (where fitted accuracy falls to 90% / 50% of its
// short-distance value), "answer_half_life" and "effective_length". position_loss:
// "token_perplexity".
std::vector<MetricDef> RecallMetrics(const RecallTaskSpec& task);

// Splits a text into sentences (ending in '.', '!' or '?'; whitespace runs become one space)
// for use as filler.
std::vector<std::string> SplitSentences(const std::string& text);

}  // namespace rwkv::harness
