// Running suites through a model: suite → requests → model → responses → scores → results.
//
// The plan (which items run, in which order) depends only on the suites and RunConfig, never
// on timing; items may finish in any order but results are assembled by plan index, so the
// same suites, model and seed give byte-identical results.json. Every finished item is
// appended at once to DIR/samples.jsonl; with `resume` a run continues from that journal
// without recomputing finished items (items that failed are retried); with `retry_errors` only
// the items the journal records as failed run again.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "rwkv/adapters/model_adapter.h"
#include "rwkv/harness/results.h"
#include "rwkv/harness/suite.h"
#include "rwkv/status.h"

namespace rwkv::harness {

struct PlannedItem {
  const Suite* suite = nullptr;
  const Task* task = nullptr;
  const Item* item = nullptr;
  int64_t index = 0;  // position in the plan before sharding
  std::string key() const { return suite->id + "/" + task->name + "/" + item->id; }
};

// The items a run covers, in plan order: suites in the given order, tasks in file order, items
// in task order; filtered by config.tasks ("task" or "suite/task"), config.tags (task or suite
// tags), config.items (glob patterns with '*' over "suite/task/item"), config.limit (first N per
// task), then config shard (plan index % shard_count == shard_index).
// Errors: a --task or --tag that matches nothing; a task needing --data-dir.
struct RunPlan {
  std::vector<PlannedItem> items;
  // Every task with at least one item after the filters (decided before sharding, so the
  // shards of one run list the same tasks, even a shard with no item of a task).
  std::vector<std::pair<const Suite*, const Task*>> tasks;
};
StatusOr<RunPlan> PlanRun(const std::vector<Suite>& suites, const RunConfig& config);

struct ProgressUpdate {
  int64_t done = 0, total = 0;  // items finished (including resumed ones) / planned
  int64_t resumed = 0;          // taken from the journal
  int64_t errors = 0;
  double elapsed_s = 0;
};

struct RunOptions {
  RunConfig config;
  std::string out_dir;  // created if missing
  bool resume = false;
  // Re-run the items the journal in out_dir records as errors; finished items are kept. Items
  // never run stay unrun unless `resume` is also set. Error: out_dir holds no run.
  bool retry_errors = false;
  int jobs = 0;  // parallel items; 0 = the adapter's max_parallel. Capped by max_parallel.
  std::function<void(const ProgressUpdate&)> progress;  // called after every item (any thread,
                                                        // serialized)
  // When set and true, no new items start; items in flight finish and are journaled, and
  // Run returns FailedPrecondition("interrupted"). Used for SIGINT and tests.
  const std::atomic<bool>* cancel = nullptr;
};

// Runs the plan and writes DIR/results.json, DIR/samples.jsonl and DIR/run.json (the
// configuration a --resume must match). Errors: the output folder holds another run (without
// resume) or a run of a different configuration (with resume); I/O errors; interruption; items
// left unrun (retry_errors without resume). A failed item stays in the journal until it is
// redone, also when a resumed or retrying run is interrupted.
// Item failures are not errors of the run: they are recorded and counted per task.
StatusOr<RunResults> RunSuites(const std::vector<Suite>& suites, adapters::ModelAdapter& model,
                               const RunOptions& options);

// results.json's content from a plan's tasks and finished records (also used by merge).
// `tasks` carry names, kinds and metric definitions; values are recomputed.
void AggregateAll(const std::vector<ItemRecord>& records, uint64_t seed,
                  std::vector<TaskResult>* tasks);

// Does `key` match the glob `pattern` ('*' matches any run of characters)?
bool GlobMatch(const std::string& pattern, const std::string& key);

}  // namespace rwkv::harness
