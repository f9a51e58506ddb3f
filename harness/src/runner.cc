#include "rwkv/harness/runner.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "item_executor.h"
#include "journal.h"
#include "recall_executor.h"
#include "rwkv/harness/task_metrics.h"

namespace rwkv::harness {

namespace fs = std::filesystem;
using nlohmann::json;

bool GlobMatch(const std::string& pattern, const std::string& key) {
  // Iterative wildcard match with backtracking to the last '*'.
  size_t p = 0, k = 0, star = std::string::npos, mark = 0;
  while (k < key.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = k;
    } else if (p < pattern.size() && pattern[p] == key[k]) {
      ++p;
      ++k;
    } else if (star != std::string::npos) {
      p = star + 1;
      k = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

StatusOr<RunPlan> PlanRun(const std::vector<Suite>& suites, const RunConfig& config) {
  if (config.shard_count < 1 || config.shard_index < 0 ||
      config.shard_index >= config.shard_count) {
    return Status::InvalidArgument("shard " + std::to_string(config.shard_index) + "/" +
                                   std::to_string(config.shard_count) +
                                   " is not valid: need 0 <= i < n");
  }
  RunPlan plan;
  std::set<std::string> used_tasks, used_tags;
  int64_t index = 0;
  for (const Suite& suite : suites) {
    for (const Task& task : suite.tasks) {
      bool selected = config.tasks.empty();
      for (const std::string& t : config.tasks) {
        if (t == task.name || t == suite.id + "/" + task.name) {
          selected = true;
          used_tasks.insert(t);
        }
      }
      if (!config.tags.empty()) {
        bool tagged = false;
        for (const std::string& tag : config.tags) {
          const bool hit = std::count(task.tags.begin(), task.tags.end(), tag) ||
                           std::count(suite.tags.begin(), suite.tags.end(), tag);
          if (hit) used_tags.insert(tag);
          tagged = tagged || hit;
        }
        selected = selected && tagged;
      }
      if (!selected) continue;
      if (!task.missing_data.empty()) {
        return Status::InvalidArgument(suite.path + ": task '" + task.name +
                                       "': " + task.missing_data);
      }
      int taken = 0;
      for (const Item& item : task.items) {
        PlannedItem p{&suite, &task, &item, 0};
        if (!config.items.empty()) {
          bool match = false;
          for (const std::string& g : config.items) match = match || GlobMatch(g, p.key());
          if (!match) continue;
        }
        if (config.limit > 0 && taken >= config.limit) break;
        ++taken;
        p.index = index++;
        if (p.index % config.shard_count == config.shard_index) plan.items.push_back(p);
      }
      // Decided before sharding, so every shard lists the same tasks.
      if (taken > 0) plan.tasks.emplace_back(&suite, &task);
    }
  }
  for (const std::string& t : config.tasks) {
    if (!used_tasks.count(t)) return Status::InvalidArgument("--task '" + t + "' matches no task");
  }
  for (const std::string& t : config.tags) {
    if (!used_tags.count(t)) return Status::InvalidArgument("--tag '" + t + "' matches no task");
  }
  return plan;
}

void AggregateAll(const std::vector<ItemRecord>& records, uint64_t seed,
                  std::vector<TaskResult>* tasks) {
  std::map<std::string, std::vector<const ItemRecord*>> by_task;
  for (const ItemRecord& r : records) by_task[r.suite + "/" + r.task].push_back(&r);
  for (TaskResult& t : *tasks) {
    auto& recs = by_task[t.suite + "/" + t.task];
    std::sort(recs.begin(), recs.end(),
              [](const ItemRecord* a, const ItemRecord* b) { return a->index < b->index; });
    Aggregate(recs, seed, &t);
    t.unsupported.clear();
    const bool all_unsupported =
        !recs.empty() &&
        std::all_of(recs.begin(), recs.end(), [](const ItemRecord* r) { return r->unsupported; });
    if (all_unsupported) t.unsupported = "not supported by this model: " + recs[0]->error;
  }
}

namespace {

json Fingerprint(const RunResults& r) {
  json j = ToJson(r);
  return {{"config", j["config"]},
          {"suites", j["suites"]},
          {"model", {{"spec", r.model.spec}, {"sha256", r.model.sha256}}},
          {"engine_version", r.engine_version}};
}

Status CheckResumable(const std::string& run_json, const json& fingerprint) {
  std::ifstream in(run_json);
  if (!in) return Status::Ok();
  json old;
  try {
    in >> old;
  } catch (const json::exception& e) {
    return Status::Corruption(run_json + ": not valid JSON: " + e.what());
  }
  for (const auto& [key, value] : fingerprint.items()) {
    if (!old.contains(key) || old[key] != value) {
      return Status::FailedPrecondition(run_json + ": the run in this folder has a different " +
                                        key +
                                        "; resume it with the same suites, model and "
                                        "options, or choose another --out");
    }
  }
  return Status::Ok();
}

}  // namespace

StatusOr<RunResults> RunSuites(const std::vector<Suite>& suites, adapters::ModelAdapter& model,
                               const RunOptions& options) {
  const RunConfig& config = options.config;
  ASSIGN_OR_RETURN(RunPlan plan, PlanRun(suites, config));
  RunResults results;
  results.engine_version = RWKV_EVAL_VERSION;
  results.config = config;
  results.model = model.info();
  for (const Suite& s : suites) {
    results.suites.push_back({s.id, s.version, s.path, s.sha256, s.files});
  }
  std::map<const Task*, int> planned_per_task;
  for (const PlannedItem& p : plan.items) ++planned_per_task[p.task];
  for (const auto& [suite, task] : plan.tasks) {
    TaskResult t;
    t.suite = suite->id;
    t.task = task->name;
    t.kind =
        task->recall && task->recall->position_loss() ? "position_loss" : TaskKindName(task->kind);
    t.tags = task->tags;
    t.n_items = planned_per_task[task];
    for (const MetricDef& d : TaskMetrics(*task)) t.metrics.push_back({d, 0, 0, 0, 0, ""});
    if (task->pass) {
      t.pass_metric = task->pass->metric;
      t.pass_min = task->pass->min;
    }
    results.tasks.push_back(t);
  }

  std::error_code ec;
  fs::create_directories(options.out_dir, ec);
  if (ec) return Status::IOError(options.out_dir + ": cannot create: " + ec.message());
  const std::string samples_path = options.out_dir + "/samples.jsonl";
  const std::string run_json = options.out_dir + "/run.json";
  const json fingerprint = Fingerprint(results);

  std::vector<ItemRecord> finished;
  std::vector<ItemRecord> old_errors;  // journaled failures, kept until their item is redone
  if (fs::exists(samples_path) && fs::file_size(samples_path, ec) > 0) {
    if (!options.resume && !options.retry_errors) {
      return Status::FailedPrecondition(options.out_dir +
                                        " already holds a run; pass --resume to continue it or "
                                        "choose another --out");
    }
    RETURN_IF_ERROR(CheckResumable(run_json, fingerprint));
    ASSIGN_OR_RETURN(std::vector<ItemRecord> old, ReadSamples(samples_path));
    std::set<std::string> planned;
    for (const PlannedItem& p : plan.items) planned.insert(p.key());
    std::set<std::string> seen;
    for (ItemRecord& r : old) {
      if (!planned.count(r.key())) continue;
      if (!r.error.empty()) {
        old_errors.push_back(std::move(r));
      } else if (seen.insert(r.key()).second) {
        finished.push_back(std::move(r));
      }
    }
  } else if (options.retry_errors) {
    return Status::FailedPrecondition(options.out_dir +
                                      " holds no run whose errors could be retried");
  }
  {
    std::ofstream out(run_json, std::ios::trunc);
    out << fingerprint.dump(2) << "\n";
    if (!out) return Status::IOError(run_json + ": write failed");
  }
  std::set<std::string> done_keys, failed_keys;
  for (const ItemRecord& r : finished) done_keys.insert(r.key());
  {
    std::vector<ItemRecord> latest_failures;  // the last one per item not finished since
    for (auto r = old_errors.rbegin(); r != old_errors.rend(); ++r) {
      if (!done_keys.count(r->key()) && failed_keys.insert(r->key()).second) {
        latest_failures.push_back(std::move(*r));
      }
    }
    old_errors.swap(latest_failures);
  }
  std::vector<ItemRecord> journaled = finished;
  journaled.insert(journaled.end(), old_errors.begin(), old_errors.end());
  ASSIGN_OR_RETURN(std::unique_ptr<Journal> journal, Journal::Open(samples_path, journaled));
  std::vector<const PlannedItem*> todo;
  int64_t never_run = 0;  // left out by retry_errors without resume
  for (const PlannedItem& p : plan.items) {
    if (done_keys.count(p.key())) continue;
    if (options.resume || !options.retry_errors || failed_keys.count(p.key())) {
      todo.push_back(&p);
    } else {
      ++never_run;
    }
  }

  // One item, or the unfinished checkpoints of one recall trial (they share a model pass).
  const std::vector<std::vector<const PlannedItem*>> units = GroupRecallUnits(todo);

  const int max_parallel = std::max(1, model.capabilities().max_parallel);
  const int workers =
      std::max(1, std::min(options.jobs > 0 ? options.jobs : max_parallel, max_parallel));
  PrefixStateCache cache;
  std::mutex mu;  // guards finished, progress, first_error
  Status first_error;
  ProgressUpdate progress;
  progress.total = static_cast<int64_t>(plan.items.size());
  progress.resumed = progress.done = static_cast<int64_t>(finished.size());
  const auto start = std::chrono::steady_clock::now();
  std::atomic<size_t> next{0};
  auto worker = [&]() {
    while (true) {
      if (options.cancel && options.cancel->load()) return;
      const size_t i = next.fetch_add(1);
      if (i >= units.size()) return;
      std::vector<ItemRecord> recs;
      if (units[i].front()->task->kind == TaskKind::kRecall) {
        recs = ExecuteRecallUnit(units[i], model);
      } else {
        recs.push_back(ExecuteItem(*units[i].front(), model, &cache, config.seed));
      }
      for (ItemRecord& rec : recs) {
        Status st = journal->Append(rec);
        std::lock_guard<std::mutex> lock(mu);
        if (!st.ok() && first_error.ok()) first_error = st;
        ++progress.done;
        if (!rec.error.empty()) ++progress.errors;
        finished.push_back(std::move(rec));
        progress.elapsed_s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (options.progress) options.progress(progress);
      }
    }
  };
  if (workers == 1) {
    worker();
  } else {
    std::vector<std::thread> threads;
    for (int w = 0; w < workers; ++w) threads.emplace_back(worker);
    for (std::thread& t : threads) t.join();
  }
  RETURN_IF_ERROR(first_error);
  journal.reset();
  const size_t n_finished = finished.size();
  {
    std::vector<ItemRecord> samples = finished;
    std::set<std::string> redone;
    for (const ItemRecord& r : finished) redone.insert(r.key());
    for (ItemRecord& r : old_errors) {
      if (!redone.count(r.key())) samples.push_back(std::move(r));
    }
    std::sort(samples.begin(), samples.end(),
              [](const ItemRecord& a, const ItemRecord& b) { return a.index < b.index; });
    RETURN_IF_ERROR(WriteSamples(samples_path, samples));
  }
  if (n_finished < plan.items.size()) {
    const bool cancelled = options.cancel && options.cancel->load();
    if (never_run > 0 && !cancelled) {
      return Status::FailedPrecondition("retried the failed items; " + std::to_string(never_run) +
                                        " items of this run never ran: continue with --resume");
    }
    return Status::FailedPrecondition("interrupted after " + std::to_string(n_finished) + " of " +
                                      std::to_string(plan.items.size()) +
                                      " items; continue with --resume");
  }
  std::sort(finished.begin(), finished.end(),
            [](const ItemRecord& a, const ItemRecord& b) { return a.index < b.index; });
  AggregateAll(finished, config.seed, &results.tasks);
  RETURN_IF_ERROR(WriteResults(options.out_dir + "/results.json", results));
  return results;
}

}  // namespace rwkv::harness
