// Small hand-made runs for the report tests.
#pragma once

#include <string>
#include <vector>

#include "rwkv/harness/results.h"
#include "rwkv/reports/report_model.h"

namespace rwkv::testing {

// One generate-kind item of suite/task scored `metric` = solved (0/1).
inline harness::ItemRecord BinaryItem(const std::string& suite, const std::string& task,
                                      const std::string& item, const std::string& metric,
                                      int solved, const std::string& output = "") {
  harness::ItemRecord r;
  r.suite = suite;
  r.task = task;
  r.item = item;
  r.kind = "generate";
  r.prompt = "Question " + item + "?";
  r.target = "42";
  r.output = output.empty() ? (solved ? "42" : "41") : output;
  r.extracted["strict"] = solved ? "42" : "41";
  r.values[metric] = solved;
  return r;
}

// Appends a task to `run` with one proportion metric over `solved` (item ids "i0", "i1", ...),
// aggregated by the harness (Wilson interval). `pass_min` < 0: no threshold.
inline void AddBinaryTask(reports::RunView* run, const std::string& suite, const std::string& task,
                          const std::string& metric, const std::vector<int>& solved,
                          double pass_min = -1) {
  std::vector<const harness::ItemRecord*> records;
  const size_t first = run->items.size();
  for (size_t i = 0; i < solved.size(); ++i) {
    run->items.push_back(BinaryItem(suite, task, "i" + std::to_string(i), metric, solved[i]));
    run->items.back().index = static_cast<int64_t>(run->items.size() - 1);
  }
  for (size_t i = first; i < run->items.size(); ++i) records.push_back(&run->items[i]);
  harness::TaskResult t;
  t.suite = suite;
  t.task = task;
  t.kind = "generate";
  t.n_items = static_cast<int>(solved.size());
  harness::MetricResult mr;
  mr.def = {metric, harness::Aggregation::kMean, metric, "", true};
  t.metrics.push_back(mr);
  if (pass_min >= 0) {
    t.pass_metric = metric;
    t.pass_min = pass_min;
  }
  harness::Aggregate(records, 0, &t);
  run->results.tasks.push_back(t);
}

inline reports::RunView EmptyRun(const std::string& name, const std::string& model_spec) {
  reports::RunView run;
  run.name = name;
  run.results.engine_version = "0.1.0";
  run.results.model.spec = model_spec;
  run.results.config.model_spec = model_spec;
  return run;
}

// Repeats each pattern value `times` times: Repeat({1, 0}, 3) = {1,1,1,0,0,0}.
inline std::vector<int> Counts(int ones, int zeros) {
  std::vector<int> v(static_cast<size_t>(ones), 1);
  v.insert(v.end(), static_cast<size_t>(zeros), 0);
  return v;
}

}  // namespace rwkv::testing
