#include "rwkv/reports/report_model.h"

#include <sys/stat.h>

namespace rwkv::reports {

namespace {
bool FileExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

std::string LastComponent(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  const size_t slash = dir.rfind('/');
  return slash == std::string::npos ? dir : dir.substr(slash + 1);
}
}  // namespace

StatusOr<RunView> ReadRunFolder(const std::string& dir) {
  RunView run;
  run.name = LastComponent(dir);
  ASSIGN_OR_RETURN(run.results, harness::ReadResults(dir + "/results.json"));
  const std::string samples = dir + "/samples.jsonl";
  if (FileExists(samples)) {
    ASSIGN_OR_RETURN(run.items, harness::ReadSamples(samples));
  }
  return run;
}

AlignedItems AlignItems(const std::vector<RunView>& runs) {
  AlignedItems out;
  std::unordered_map<std::string, size_t> row_of;
  for (size_t r = 0; r < runs.size(); ++r) {
    const auto& items = runs[r].items;
    for (size_t i = 0; i < items.size(); ++i) {
      std::string key = items[i].key();
      auto [it, inserted] = row_of.emplace(key, out.keys.size());
      if (inserted) {
        out.keys.push_back(std::move(key));
        out.index.emplace_back(runs.size(), -1);
      }
      out.index[it->second][r] = static_cast<int64_t>(i);
    }
  }
  return out;
}

std::string SolvedKey(const harness::TaskResult& task) {
  if (task.pass_metric) {
    const harness::MetricResult* m = task.Find(*task.pass_metric);
    if (m && m->interval == "wilson") return m->def.key;
  }
  for (const harness::MetricResult& m : task.metrics) {
    if (m.interval == "wilson") return m.def.key;
  }
  if (task.kind == "recall") return "correct";
  return "";
}

int Solved(const harness::ItemRecord& item, const std::string& solved_key) {
  if (!item.error.empty()) return 0;
  if (solved_key.empty()) return -1;
  auto it = item.values.find(solved_key);
  if (it == item.values.end()) return -1;
  return it->second >= 0.5 ? 1 : 0;
}

const harness::TaskResult* FindTask(const RunView& run, const std::string& suite,
                                    const std::string& task) {
  for (const harness::TaskResult& t : run.results.tasks) {
    if (t.suite == suite && t.task == task) return &t;
  }
  return nullptr;
}

}  // namespace rwkv::reports
