// rwkv-eval run: run suites through a model and write results.json and samples.jsonl.

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "command.h"
#include "run_with_progress.h"
#include "rwkv/cache_dir.h"
#include "rwkv/harness/runner.h"
#include "rwkv/harness/suite_loader.h"
#include "rwkv/reports/run_reports.h"

namespace rwkv::cli {

namespace {
constexpr const char* kName = "run";

bool ParseShard(const std::string& s, int* index, int* count) {
  const size_t slash = s.find('/');
  if (slash == std::string::npos) return false;
  try {
    size_t a = 0, b = 0;
    *index = std::stoi(s.substr(0, slash), &a);
    *count = std::stoi(s.substr(slash + 1), &b);
    return a == slash && b == s.size() - slash - 1 && *count >= 1 && *index >= 0 && *index < *count;
  } catch (const std::exception&) {
    return false;
  }
}

// Usage errors in the remote-model options.
Status CheckRemoteOptions(const adapters::AdapterOptions& o) {
  if (o.concurrency < 1) return Status::InvalidArgument("--concurrency must be >= 1");
  if (!(o.timeout_seconds > 0)) return Status::InvalidArgument("--timeout must be > 0");
  if (o.max_retries < 0) return Status::InvalidArgument("--retries must be >= 0");
  if (!(o.initial_backoff_seconds >= 0)) {
    return Status::InvalidArgument("--retry-backoff must be >= 0");
  }
  if (!(o.requests_per_minute >= 0) || !(o.tokens_per_minute >= 0)) {
    return Status::InvalidArgument("--requests-per-minute and --tokens-per-minute must be >= 0");
  }
  return Status::Ok();
}

// CacheDir()/responses.sqlite, its folder created; "" (no cache) without a usable cache folder.
std::string DefaultResponseCache() {
  const std::string dir = CacheDir();
  if (dir.empty()) return "";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    std::fprintf(stderr, "run: cannot create %s (%s): no response cache\n", dir.c_str(),
                 ec.message().c_str());
    return "";
  }
  return dir + "/responses.sqlite";
}

void PrintSummary(const harness::RunResults& r) {
  for (const harness::TaskResult& t : r.tasks) {
    std::printf("%s/%s (%s, %d items", t.suite.c_str(), t.task.c_str(), t.kind.c_str(), t.n_items);
    // Failed items are not scored: they are neither right nor wrong answers.
    if (t.n_errors) std::printf(": %d scored, %d errors", t.n_scored, t.n_errors);
    std::printf(")\n");
    if (!t.unsupported.empty()) {
      std::printf("  %s\n", t.unsupported.c_str());
      continue;
    }
    for (const harness::MetricResult& m : t.metrics) {
      std::printf("  %-22s %10.4f  ± %.4f  [%.4f, %.4f] %s\n", m.def.name.c_str(), m.value,
                  m.std_err, m.ci_low, m.ci_high, m.interval.c_str());
    }
    if (t.passed) {
      std::printf("  pass: %s %s %g → %s\n", t.pass_metric->c_str(), ">=", t.pass_min,
                  *t.passed ? "PASS" : "FAIL");
    }
  }
}
}  // namespace

int RunRun(const std::vector<std::string>& args) {
  std::vector<std::string> suites, tags, tasks, items;
  std::string model_spec, out_dir, shard = "0/1", data_dir, progress_mode;
  adapters::AdapterOptions aopts;
  int limit = 0, jobs = 0, threads = 0;
  uint64_t seed = 0;
  bool resume = false, retry_errors = false, no_cache = false;
  po::options_description o;
  o.add_options()("suite", po::value(&suites)->composing(), "suite names or YAML files")(
      "model,m", po::value(&model_spec)->default_value("default"),
      "model: a model file, replay:FILE, openai:MODEL, or default (the shipped model)")(
      "out,o", po::value(&out_dir)->required(), "output folder")(
      "seed", po::value(&seed)->default_value(0), "seed for few-shot draws and sampling")(
      "limit", po::value(&limit)->default_value(0), "first N items of every task (0 = all)")(
      "tag", po::value(&tags)->composing(), "only tasks with this tag (repeatable)")(
      "task", po::value(&tasks)->composing(), "only this task: NAME or SUITE/NAME (repeatable)")(
      "item", po::value(&items)->composing(),
      "only items whose id SUITE/TASK/ITEM matches this glob (repeatable)")(
      "shard", po::value(&shard)->default_value("0/1"),
      "run shard i of n (0-based): every n-th item; combine with `rwkv-eval merge`")(
      "resume", po::bool_switch(&resume),
      "continue the run in --out without redoing finished items")(
      "retry-errors", po::bool_switch(&retry_errors),
      "re-run only the items the run in --out recorded as errors")(
      "jobs,j", po::value(&jobs)->default_value(0),
      "items in parallel (0 = as many as the model allows)")(
      "data-dir", po::value(&data_dir), "folder of datasets declared with root: data_dir")(
      "threads,t", po::value(&threads)->default_value(0),
      "engine threads (0: RWKV_EVAL_THREADS or all cores)")(
      "tokenizer", po::value(&aopts.tokenizer), "override the model's tokenizer")(
      "base-url", po::value(&aopts.base_url), "remote models: server URL")(
      "concurrency", po::value(&aopts.concurrency)->default_value(4),
      "remote models: requests in flight")(
      "cache", po::value(&aopts.cache_path),
      "remote models: response cache file (default: responses.sqlite in the user cache folder)")(
      "no-cache", po::bool_switch(&no_cache), "remote models: no response cache")(
      "api-key-env", po::value(&aopts.api_key_env)->default_value("OPENAI_API_KEY"),
      "remote models: environment variable holding the API key")(
      "timeout", po::value(&aopts.timeout_seconds)->default_value(120),
      "remote models: seconds per request attempt")("retries",
                                                    po::value(&aopts.max_retries)->default_value(6),
                                                    "remote models: retries of a failed request")(
      "retry-backoff", po::value(&aopts.initial_backoff_seconds)->default_value(1.0),
      "remote models: seconds before the first retry (doubling, jittered)")(
      "requests-per-minute", po::value(&aopts.requests_per_minute)->default_value(0),
      "remote models: request rate limit (0 = none)")(
      "tokens-per-minute", po::value(&aopts.tokens_per_minute)->default_value(0),
      "remote models: token rate limit (0 = none)")(
      "progress", po::value(&progress_mode)->default_value("auto"), "auto | bar | plain | none");
  po::positional_options_description pos;
  pos.add("suite", -1);
  po::variables_map vm;
  int code = 0;
  if (!ParseArgs(kName, "SUITE... [--model SPEC] --out DIR [options]",
                 "Runs suites (bundled names such as `arithmetic`, or YAML files) through a model "
                 "and writes DIR/results.json and DIR/samples.jsonl. Ctrl-C stops after the "
                 "items in flight; --resume continues.",
                 o, pos, args, &vm, &code)) {
    return code;
  }
  if (suites.empty()) return Fail(kName, "give at least one suite", kExitUsage);
  harness::RunOptions ropts;
  if (!ParseShard(shard, &ropts.config.shard_index, &ropts.config.shard_count)) {
    return Fail(kName, "--shard must be i/n with 0 <= i < n, not '" + shard + "'", kExitUsage);
  }
  if (limit < 0) return Fail(kName, "--limit must be >= 0", kExitUsage);
  if (Status st = CheckRemoteOptions(aopts); !st.ok()) {
    return Fail(kName, st.message(), kExitUsage);
  }
  if (no_cache && vm.count("cache")) {
    return Fail(kName, "--cache and --no-cache exclude each other", kExitUsage);
  }
  if (no_cache) {
    aopts.cache_path.clear();
  } else if (aopts.cache_path.empty() && model_spec.rfind("openai:", 0) == 0) {
    aopts.cache_path = DefaultResponseCache();
  }
  if (!IsProgressMode(progress_mode)) {
    return Fail(kName, "--progress must be auto, bar, plain or none", kExitUsage);
  }
  harness::LoadOptions lopts;
  lopts.data_dir = data_dir;
  auto loaded = harness::LoadSuites(suites, lopts);
  if (!loaded.ok()) return Fail(kName, loaded.status().ToString());
  aopts.threads = ResolveThreads(threads);
  auto model = adapters::OpenModel(model_spec, aopts);
  if (!model.ok()) return Fail(kName, model.status().ToString());

  ropts.config.suites = suites;
  ropts.config.model_spec = model_spec;
  ropts.config.seed = seed;
  ropts.config.limit = limit;
  ropts.config.tags = tags;
  ropts.config.tasks = tasks;
  ropts.config.items = items;
  ropts.config.data_dir = data_dir;
  ropts.out_dir = out_dir;
  ropts.resume = resume;
  ropts.retry_errors = retry_errors;
  ropts.jobs = jobs;
  auto results = RunWithProgress(*loaded, **model, ropts, progress_mode);
  if (!results.ok()) return Fail(kName, results.status().ToString());
  PrintSummary(*results);
  if (Status st = reports::WriteRunFolderReports(out_dir, *results); !st.ok())
    return Fail(kName, st.ToString());
  std::printf("wrote %s/results.json and %s/samples.jsonl\n", out_dir.c_str(), out_dir.c_str());
  int errors = 0;
  bool failed = false;
  for (const auto& t : results->tasks) {
    errors += t.n_errors;
    failed = failed || (t.passed && !*t.passed);
  }
  if (errors > 0) {
    return Fail(kName, std::to_string(errors) +
                           " items failed (see \"error\" in samples.jsonl); they are not scored; "
                           "--retry-errors runs them again");
  }
  if (failed) return Fail(kName, "a task is below its pass threshold");
  return kExitOk;
}

}  // namespace rwkv::cli
