#include "rwkv/harness/recall_task.h"

#include <cmath>

#include "rwkv/harness/results.h"
#include "rwkv/harness/suite.h"

namespace rwkv::harness {

namespace {

std::string Num(int64_t v) { return std::to_string(v); }

Item Checkpoint(const std::string& id, const std::string& unit, int trial, int64_t target) {
  Item item;
  item.id = id;
  item.origin = "recall checkpoint " + id;
  item.fields["unit"] = unit;
  item.fields["trial"] = Num(trial);
  item.fields["target"] = Num(target);
  return item;
}

// Grid points the accuracy is reported at: distances, or haystack lengths for the needle.
const std::vector<int64_t>& Grid(const RecallTaskSpec& task) {
  return task.spec.kind == RecallKind::kNeedle ? task.spec.lengths : task.spec.distances;
}

}  // namespace

std::vector<Item> RecallItems(const RecallTaskSpec& task) {
  std::vector<Item> items;
  if (task.position_loss()) {
    for (size_t d = 0; d < task.documents.size(); ++d) {
      const std::string doc = "doc" + std::to_string(d);
      // Token positions cannot exceed the document's bytes; buckets past its token count are
      // recorded empty.
      const int64_t bytes = static_cast<int64_t>(task.documents[d].size());
      for (int64_t start = 0; start < bytes; start = start == 0 ? 2 : start * 2) {
        Item item;
        item.id = doc + "-p" + Num(start);
        item.origin = "position-loss bucket " + item.id;
        item.fields["unit"] = doc;
        item.fields["document"] = std::to_string(d);
        item.fields["start"] = Num(start);
        items.push_back(std::move(item));
      }
    }
    return items;
  }
  const RecallSpec& s = task.spec;
  const std::string probe = RecallKindName(s.kind);
  for (int t = 0; t < s.trials; ++t) {
    const std::string trial = "t" + std::to_string(t);
    if (s.kind != RecallKind::kNeedle) {
      for (int64_t d : s.distances) {
        items.push_back(Checkpoint(probe + "-" + trial + "-d" + Num(d), trial, t, d));
      }
      continue;
    }
    for (double depth : s.depths) {
      const int64_t pct = std::llround(depth * 100);
      for (int64_t length : s.lengths) {
        const std::string cell = trial + "-L" + Num(length) + "-p" + Num(pct);
        Item item = Checkpoint(probe + "-" + cell, cell, t, length);
        item.fields["length"] = Num(length);
        item.fields["depth"] = std::to_string(depth);
        items.push_back(std::move(item));
      }
    }
  }
  return items;
}

std::vector<MetricDef> RecallMetrics(const RecallTaskSpec& task) {
  std::vector<MetricDef> out;
  if (task.position_loss()) {
    out.push_back({"token_perplexity", Aggregation::kExpNegRatio, "logprob", "tokens", false, 0});
    return out;
  }
  out.push_back({"accuracy", Aggregation::kMean, "correct", "", true, 0});
  for (int64_t g : Grid(task)) {
    out.push_back(
        {"accuracy@" + Num(g), Aggregation::kMean, "correct@" + Num(g), "at@" + Num(g), true, 0});
  }
  // Over the checkpoints with a log-probability (remote models may give none).
  out.push_back({"answer_logprob", Aggregation::kMean, "answer_logprob", "has_logprob", true, 0});
  if (task.spec.kind != RecallKind::kNeedle) {
    out.push_back({"distance_90pct", Aggregation::kDecayDistance, "correct", "", true, 0.9});
    out.push_back({"distance_50pct", Aggregation::kDecayDistance, "correct", "", true, 0.5});
    out.push_back({"answer_half_life", Aggregation::kHalfLife, "answer_logprob", "", true, 0});
    out.push_back({"effective_length", Aggregation::kEffectiveLength, "correct", "", true,
                   task.effective_threshold});
  }
  return out;
}

std::vector<std::string> SplitSentences(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : text) {
    const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (space) {
      if (!cur.empty() && cur.back() != ' ') cur += ' ';
      continue;
    }
    cur += c;
    if (c == '.' || c == '!' || c == '?') {
      out.push_back(cur);
      cur.clear();
    }
  }
  while (!cur.empty() && cur.back() == ' ') cur.pop_back();
  if (!cur.empty()) out.push_back(cur);
  return out;
}

}  // namespace rwkv::harness
