#include "rwkv/harness/merge.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "journal.h"
#include "rwkv/harness/runner.h"

namespace rwkv::harness {

StatusOr<RunResults> MergeRuns(const std::vector<std::string>& dirs, const std::string& out_dir) {
  if (dirs.empty()) return Status::InvalidArgument("no shard folders given");
  std::vector<RunResults> shards;
  std::vector<ItemRecord> records;
  for (const std::string& dir : dirs) {
    ASSIGN_OR_RETURN(RunResults r, ReadResults(dir + "/results.json"));
    ASSIGN_OR_RETURN(std::vector<ItemRecord> recs, ReadSamples(dir + "/samples.jsonl"));
    for (ItemRecord& rec : recs) records.push_back(std::move(rec));
    shards.push_back(std::move(r));
  }
  const RunResults& first = shards[0];
  const int n = first.config.shard_count;
  if (static_cast<int>(shards.size()) != n) {
    return Status::InvalidArgument(
        dirs[0] + " is shard " + std::to_string(first.config.shard_index) + " of " +
        std::to_string(n) + ", but " + std::to_string(shards.size()) + " folders were given");
  }
  auto unsharded = [](RunResults r) {
    nlohmann::json j = ToJson(r);
    j["config"].erase("shard");
    j["config"].erase("data_dir");  // may differ between machines
    nlohmann::json suites = nlohmann::json::array();
    for (const auto& s : j["suites"]) suites.push_back({s["id"], s["version"], s["sha256"]});
    j["suites"] = suites;
    nlohmann::json tasks = nlohmann::json::array();
    for (const auto& t : j["tasks"]) {
      tasks.push_back({t["suite"], t["task"], t["kind"], t.value("pass", nlohmann::json())});
    }
    return nlohmann::json{{"config", j["config"]},
                          {"suites", j["suites"]},
                          {"model", j["model"]},
                          {"engine", j["engine_version"]},
                          {"tasks", tasks}};
  };
  const nlohmann::json reference = unsharded(first);
  std::set<int> seen;
  for (size_t i = 0; i < shards.size(); ++i) {
    const nlohmann::json mine = unsharded(shards[i]);
    for (const auto& [key, value] : reference.items()) {
      if (mine[key] != value) {
        return Status::InvalidArgument(dirs[i] + ": its " + key + " differs from that of " +
                                       dirs[0] + "; these are not shards of one run");
      }
    }
    if (shards[i].config.shard_count != n || !seen.insert(shards[i].config.shard_index).second) {
      return Status::InvalidArgument(dirs[i] + ": shard " +
                                     std::to_string(shards[i].config.shard_index) + "/" +
                                     std::to_string(shards[i].config.shard_count) +
                                     " is given twice or belongs to another split");
    }
  }
  std::set<std::string> keys;
  for (const ItemRecord& r : records) {
    if (!keys.insert(r.key()).second) {
      return Status::InvalidArgument("item '" + r.key() + "' appears in more than one shard");
    }
  }
  std::sort(records.begin(), records.end(),
            [](const ItemRecord& a, const ItemRecord& b) { return a.index < b.index; });
  RunResults merged = first;
  merged.config.shard_index = 0;
  merged.config.shard_count = 1;
  merged.merged_from = dirs;
  for (size_t t = 0; t < merged.tasks.size(); ++t) {
    merged.tasks[t].n_items = 0;
    for (const RunResults& s : shards) merged.tasks[t].n_items += s.tasks[t].n_items;
  }
  AggregateAll(records, merged.config.seed, &merged.tasks);
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return Status::IOError(out_dir + ": cannot create: " + ec.message());
  RETURN_IF_ERROR(WriteSamples(out_dir + "/samples.jsonl", records));
  RETURN_IF_ERROR(WriteResults(out_dir + "/results.json", merged));
  return merged;
}

}  // namespace rwkv::harness
