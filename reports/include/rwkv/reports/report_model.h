// The report model: one or more runs (results.json + samples.jsonl each), their items aligned
// by key, and optional pairwise comparisons. Every writer (CSV, JUnit, HTML) reads this model.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "rwkv/harness/results.h"
#include "rwkv/reports/comparison.h"
#include "rwkv/status.h"

namespace rwkv::reports {

// One run as shown in a report.
struct RunView {
  std::string name;  // label (the run folder's name or the model spec)
  harness::RunResults results;
  std::vector<harness::ItemRecord> items;  // may be empty (results.json only)
};

struct ReportModel {
  std::string title = "rwkv-eval report";
  std::vector<RunView> runs;
  std::vector<MetricComparison> comparisons;  // filled by `compare`; empty for a single run
};

// Reads DIR/results.json and, when present, DIR/samples.jsonl. The name is the folder's last
// path component. Errors: results.json missing or malformed; samples.jsonl malformed.
StatusOr<RunView> ReadRunFolder(const std::string& dir);

// Items of several runs aligned by key ("suite/task/item"): rows in first-seen order, each
// holding the index of the item in every run's `items` (-1 where the run lacks it).
struct AlignedItems {
  std::vector<std::string> keys;
  std::vector<std::vector<int64_t>> index;  // [row][run]
};
AlignedItems AlignItems(const std::vector<RunView>& runs);

// The item value that decides whether an item is solved: the task's pass metric key when it
// is a proportion, else the key of its first proportion metric (interval "wilson"), else
// "correct" for recall tasks. "" when the task has no such value.
std::string SolvedKey(const harness::TaskResult& task);

// 1 solved, 0 not solved (or failed with an error), -1 unknown (no such value).
int Solved(const harness::ItemRecord& item, const std::string& solved_key);

// The task of `runs[run]` named suite/task, or nullptr.
const harness::TaskResult* FindTask(const RunView& run, const std::string& suite,
                                    const std::string& task);

}  // namespace rwkv::reports
