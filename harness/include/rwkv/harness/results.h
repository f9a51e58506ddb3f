// The results model: what a run produced, in a form reports, comparisons and gates consume.
// Written as results.json (RunResults) and samples.jsonl (one ItemRecord per line).
//
// Determinism: results.json holds no timings or timestamps, so the same suites, model and seed
// give a byte-identical results.json. samples.jsonl records latency and is not byte-stable.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "rwkv/adapters/model_adapter.h"
#include "rwkv/status.h"

namespace rwkv::harness {

inline constexpr int kResultsFormatVersion = 1;

// One finished item: what was sent, what came back, how it scored.
struct ItemRecord {
  std::string suite, task, item;                 // key() = "suite/task/item"
  int64_t index = 0;                             // position in the run's plan (stable ordering)
  std::string kind;                              // task kind
  std::string prefix, prompt;                    // as sent (plain form)
  std::vector<adapters::ChatMessage> messages;   // as sent (chat form)
  std::vector<std::string> few_shot;             // ids of the examples used
  std::string output;                            // raw model output (generate)
  std::map<std::string, std::string> extracted;  // pipeline → extracted answer
  std::string target;
  std::vector<std::string> choices;
  std::vector<double> choice_logprobs;
  // Scores and measurements: "exact:strict", "acc", "logprob", "tokens", "bytes", ...
  std::map<std::string, double> values;
  double weight = 1.0;
  int prompt_tokens = 0, output_tokens = 0;
  double latency_ms = 0;     // wall time of the model calls (not byte-stable)
  std::string error;         // non-empty: the item failed and is not scored
  bool unsupported = false;  // the failure is "not supported by this model"

  std::string key() const { return suite + "/" + task + "/" + item; }
};

// How a metric is computed from item values.
enum class Aggregation {
  kMean,         // weighted mean of values[key]; with a denominator Σ w·key / Σ denominator
                 // (a subset mean when the denominator is a 0/1 membership value)
  kExpNegMean,   // exp(−weighted mean of values[key])  (lambada perplexity)
  kExpNegRatio,  // exp(−Σ values[key] / Σ values[denominator])  (token/byte perplexity)
  kBitsPerByte,  // −Σ values[key] / Σ values[denominator] / ln 2
  // Memory-decay summaries over recall records (values "target", "distance", "correct",
  // "answer_logprob"; see decay_fit.h). `param` is the level or threshold. NaN: not reached.
  kDecayDistance,   // distance where fitted accuracy falls to param × its short-distance value
  kHalfLife,        // half-life in tokens of the mean answer probability
  kEffectiveLength  // largest distance with accuracy >= param there and at every shorter one
};
const char* AggregationName(Aggregation a);

struct MetricDef {
  std::string name;
  Aggregation aggregation = Aggregation::kMean;
  std::string key;          // item value used
  std::string denominator;  // kExpNegRatio, kBitsPerByte
  bool higher_is_better = true;
  double param = 0;  // kDecayDistance: level; kEffectiveLength: threshold
};

struct MetricResult {
  MetricDef def;
  double value = 0;
  double std_err = 0;
  double ci_low = 0, ci_high = 0;
  std::string interval;  // "wilson" (proportions with unit weights) or "bootstrap"
};

struct TaskResult {
  std::string suite, task, kind;
  std::vector<std::string> tags;
  int n_items = 0;   // planned for this run (after filters and sharding)
  int n_scored = 0;  // finished without error
  int n_errors = 0;
  std::string unsupported;  // non-empty: "not supported by this model: …"
  std::vector<MetricResult> metrics;
  std::optional<std::string> pass_metric;
  double pass_min = 0;
  std::optional<bool> passed;  // set when a threshold exists and the task was scored

  const MetricResult* Find(const std::string& metric) const;
};

struct SuiteInfo {
  std::string id, version, path, sha256;
  std::vector<std::pair<std::string, std::string>> files;  // path, sha256
};

struct RunConfig {
  std::vector<std::string> suites;  // as given on the command line
  std::string model_spec;
  uint64_t seed = 0;
  int limit = 0;                                // per task; 0 = all
  std::vector<std::string> tags, tasks, items;  // filters
  int shard_index = 0, shard_count = 1;
  std::string data_dir;
};

struct RunResults {
  int format_version = kResultsFormatVersion;
  std::string engine_version;
  RunConfig config;
  adapters::ModelInfo model;
  std::vector<SuiteInfo> suites;
  std::vector<TaskResult> tasks;
  std::vector<std::string> merged_from;  // shard folders, for merged runs
};

nlohmann::json ToJson(const RunResults& r);
StatusOr<RunResults> RunResultsFromJson(const nlohmann::json& j);
nlohmann::json ToJson(const ItemRecord& r);
StatusOr<ItemRecord> ItemRecordFromJson(const nlohmann::json& j);

// The metric `def` over a multiset of records: counts[i] copies of records[i] (all 1 for the
// point estimate; resampled counts for the bootstrap). NaN when the denominator is not
// positive. REQUIRES: counts.size() == records.size(); records without error.
double MetricStatistic(const MetricDef& def, const std::vector<const ItemRecord*>& records,
                       const std::vector<int>& counts);

// Computes every metric of `task` (metrics, pass threshold; names and counts already set)
// from its records. Records with an error are counted, not scored. Bootstrap resampling is
// seeded from `seed` and the task's name, so results are deterministic. Records with a "trial"
// value (recall checkpoints) are resampled by trial, all of a trial's records together, and a
// proportion over several records of one trial gets a bootstrap interval instead of Wilson's.
void Aggregate(const std::vector<const ItemRecord*>& records, uint64_t seed, TaskResult* task);

// results.json: pretty-printed JSON with a trailing newline (stable key order).
Status WriteResults(const std::string& path, const RunResults& r);
StatusOr<RunResults> ReadResults(const std::string& path);

// samples.jsonl: ItemRecords, one per line. A truncated last line (an interrupted write) is
// ignored; any other malformed line is an error naming its line number.
StatusOr<std::vector<ItemRecord>> ReadSamples(const std::string& path);

}  // namespace rwkv::harness
