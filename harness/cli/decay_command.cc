// rwkv-eval decay: the bundled memory-decay probe in one command — accuracy and answer
// log-probability by distance, the decay summaries, and the model's static decay profile.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "command.h"
#include "run_with_progress.h"
#include "rwkv/decay_profile.h"
#include "rwkv/harness/runner.h"
#include "rwkv/harness/suite_loader.h"
#include "rwkv/model.h"
#include "rwkv/reports/decay_curves.h"
#include "rwkv/reports/run_reports.h"

namespace rwkv::cli {

namespace {
constexpr const char* kName = "decay";

struct ProbeSource {
  const char* probe;
  const char* suite;  // bundled suite name
  const char* task;
};
const ProbeSource kProbes[] = {
    {"passkey", "recall/passkey", "passkey"},
    {"needle", "recall/needle", "needle"},
    {"multikey", "recall/multikey", "multikey"},
    {"multivalue", "recall/multikey", "multivalue"},
    {"variable_tracking", "recall/variable_tracking", "hops2"},
};

// The grid cut at `max` tokens and, past its end, continued by doubling up to `max`.
std::vector<int64_t> GridUpTo(const std::vector<int64_t>& grid, int64_t max) {
  std::vector<int64_t> out;
  for (int64_t d : grid) {
    if (d <= max) out.push_back(d);
  }
  int64_t next = out.empty() ? 16 : out.back() * 2;
  while (!out.empty() && out.back() < max) {
    out.push_back(std::min(next, max));
    next *= 2;
  }
  if (out.empty()) out.push_back(max);
  return out;
}

std::string Tokens(double v) {
  if (std::isnan(v)) return "not reached";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.0f tokens", v);
  return buf;
}

void PrintCurve(const harness::RunResults& results, const std::vector<harness::ItemRecord>& recs,
                bool needle) {
  const reports::DecayCurves curves = reports::ComputeDecayCurves(recs);
  if (curves.recall.empty()) return;
  const reports::DecayCurve& c = curves.recall.front();
  // The needle's measured distance is the filler between the needle and the question.
  std::printf("\n%10s %10s %6s %9s  %-17s %16s\n", needle ? "length" : "distance",
              needle ? "after" : "measured", "trials", "accuracy", "95% (Wilson)",
              "answer log-prob");
  for (const reports::DecayPoint& p : c.points) {
    char lp[32] = "-";
    if (p.has_logprob) std::snprintf(lp, sizeof lp, "%.3f", p.mean_logprob);
    std::printf("%10.0f %10.1f %6d %9.3f  [%.3f, %.3f]   %16s\n", p.target, p.mean_distance, p.n,
                p.accuracy, p.acc_low, p.acc_high, lp);
  }
  if (needle && !curves.heatmaps.empty()) {
    const reports::NeedleHeatmap& h = curves.heatmaps.front();
    std::printf("\naccuracy by length (rows) and depth (columns)\n%10s", "");
    for (double d : h.depths) std::printf(" %6.2f", d);
    std::printf("\n");
    for (double len : h.lengths) {
      std::printf("%10.0f", len);
      for (double d : h.depths) {
        double acc = NAN;
        for (const reports::HeatCell& cell : h.cells) {
          if (cell.length == len && cell.depth == d) acc = cell.accuracy;
        }
        std::printf(" %6.2f", acc);
      }
      std::printf("\n");
    }
  }
  if (results.tasks.empty()) return;
  const harness::TaskResult& t = results.tasks.front();
  const harness::MetricResult* acc = t.Find("accuracy");
  if (acc) {
    std::printf("\naccuracy overall: %.3f [%.3f, %.3f] over %d checkpoints\n", acc->value,
                acc->ci_low, acc->ci_high, t.n_scored);
  }
  auto show = [&](const char* metric, const std::string& label) {
    if (const harness::MetricResult* m = t.Find(metric)) {
      std::printf("%-48s %s\n", label.c_str(), Tokens(m->value).c_str());
    }
  };
  if (acc && acc->value == 0) {
    std::printf("%-48s %s\n", "where accuracy falls:", "undefined (no checkpoint was correct)");
  } else {
    show("distance_90pct", "accuracy falls to 90% of its short-distance value:");
    show("distance_50pct", "accuracy falls to 50% of its short-distance value:");
  }
  show("answer_half_life", "half-life of the answer probability:");
  if (const harness::MetricResult* m = t.Find("effective_length")) {
    char label[80];
    std::snprintf(label, sizeof label, "effective length (accuracy >= %.2f):", m->def.param);
    std::printf("%-48s %s\n", label, Tokens(m->value).c_str());
  }
}

void PrintStaticProfile(const std::string& model_spec) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(model_spec, ec)) {
    std::printf("\n(static decay profile: only for model files of the built-in engine)\n");
    return;
  }
  auto model = Model::Load(model_spec);
  if (!model.ok()) {
    std::printf("\n(static decay profile unavailable: %s)\n", model.status().ToString().c_str());
    return;
  }
  const DecayProfile p = StaticDecayProfile(**model);
  std::printf(
      "\nstatic decay profile (diagnostic): half-life in tokens of each state channel implied by "
      "the\ndecay parameters alone (%s; data-dependent decay taken as zero; state updates also "
      "erase memory)\n",
      ArchName((*model)->config().arch));
  constexpr int kBins = 22;
  const std::vector<int> hist = HalfLifeHistogram(p.half_lives, kBins);
  const int top = *std::max_element(hist.begin(), hist.end());
  int first = 0, last = kBins - 1;
  while (first < last && hist[static_cast<size_t>(first)] == 0) ++first;
  while (last > first && hist[static_cast<size_t>(last)] == 0) --last;
  for (int k = first; k <= last; ++k) {
    char range[40];
    if (k == 0) {
      std::snprintf(range, sizeof range, "< 1");
    } else if (k == kBins - 1) {
      std::snprintf(range, sizeof range, ">= %.0f", std::ldexp(1.0, k - 1));
    } else {
      std::snprintf(range, sizeof range, "%.0f - %.0f", std::ldexp(1.0, k - 1), std::ldexp(1.0, k));
    }
    const int n = hist[static_cast<size_t>(k)];
    const int bar = top > 0 ? (n * 50 + top - 1) / top : 0;
    std::printf("  %18s %6d %s\n", range, n, std::string(static_cast<size_t>(bar), '#').c_str());
  }
  std::printf("  per layer: median half-life of each head\n");
  int layer = -1;
  for (const HeadDecay& h : p.heads) {
    if (h.layer != layer) {
      if (layer >= 0) std::printf("\n");
      layer = h.layer;
      std::printf("    layer %3d:", layer);
    }
    std::printf(" %.3g", h.median_half_life);
  }
  std::printf("\n");
}

}  // namespace

int RunDecay(const std::vector<std::string>& args) {
  std::string model_spec, probe = "passkey", out_dir, progress_mode;
  int64_t max_distance = 0;
  int trials = 0, threads = 0;
  bool resume = false;
  adapters::AdapterOptions aopts;
  po::options_description o;
  o.add_options()("model", po::value(&model_spec)->required(),
                  "a model file, replay:FILE or openai:MODEL")(
      "probe", po::value(&probe)->default_value("passkey"),
      "passkey | needle | multikey | multivalue | variable_tracking")(
      "max-distance", po::value(&max_distance)->default_value(0),
      "largest distance (needle: haystack length) in tokens; the bundled grid is cut there or "
      "continued by doubling (0 = the bundled grid)")(
      "trials", po::value(&trials)->default_value(0),
      "trials per distance (0 = the bundled count)")(
      "out,o", po::value(&out_dir), "output folder (default: decay-<model name>-<probe>)")(
      "resume", po::bool_switch(&resume), "continue the run in --out")(
      "threads,t", po::value(&threads)->default_value(0),
      "engine threads (0: RWKV_EVAL_THREADS or all cores)")(
      "tokenizer", po::value(&aopts.tokenizer), "override the model's tokenizer")(
      "base-url", po::value(&aopts.base_url), "remote models: server URL")(
      "progress", po::value(&progress_mode)->default_value("auto"), "auto | bar | plain | none");
  po::positional_options_description pos;
  pos.add("model", 1);
  po::variables_map vm;
  int code = 0;
  if (!ParseArgs(kName, "MODEL [--probe passkey] [--max-distance N] [--trials N] [--out DIR]",
                 "Runs a bundled memory-decay probe (suites/recall/) with one pass per trial and "
                 "prints accuracy and the answer's log-probability by distance, where accuracy "
                 "falls, the answer probability's half-life, the effective length and the "
                 "model's static decay profile. Writes results.json, samples.jsonl and the "
                 "report files like `run`.",
                 o, pos, args, &vm, &code)) {
    return code;
  }
  const ProbeSource* source = nullptr;
  for (const ProbeSource& p : kProbes) {
    if (probe == p.probe) source = &p;
  }
  if (!source) {
    return Fail(kName,
                "--probe must be passkey, needle, multikey, multivalue or variable_tracking, "
                "not '" +
                    probe + "'",
                kExitUsage);
  }
  if (max_distance < 0 || max_distance > 100000000) {
    return Fail(kName, "--max-distance must be between 0 and 100000000", kExitUsage);
  }
  if (trials < 0 || trials > 100000) {
    return Fail(kName, "--trials must be between 0 and 100000", kExitUsage);
  }
  if (!IsProgressMode(progress_mode)) {
    return Fail(kName, "--progress must be auto, bar, plain or none", kExitUsage);
  }
  auto suite = harness::LoadSuite(harness::ResolveSuitePath(source->suite), {});
  if (!suite.ok()) return Fail(kName, suite.status().ToString());
  const harness::Task* found = suite->FindTask(source->task);
  if (!found || !found->recall) {
    return Fail(kName, suite->path + " has no recall task '" + source->task + "'");
  }
  harness::Task task = *found;
  harness::RecallSpec& spec = task.recall->spec;
  const bool needle = spec.kind == harness::RecallKind::kNeedle;
  std::vector<int64_t>& grid = needle ? spec.lengths : spec.distances;
  if (max_distance > 0) grid = GridUpTo(grid, max_distance);
  if (trials > 0) spec.trials = trials;
  task.items = harness::RecallItems(*task.recall);
  suite->tasks = {task};
  // The options are part of the run's identity (a --resume must use the same ones).
  suite->version +=
      "+decay(max=" + std::to_string(grid.back()) + ",trials=" + std::to_string(spec.trials) + ")";

  if (out_dir.empty()) {
    std::string stem = std::filesystem::path(model_spec).stem().string();
    for (char& ch : stem) {
      if (ch == ':' || ch == '/') ch = '-';
    }
    out_dir = "decay-" + stem + "-" + probe;
  }
  aopts.threads = ResolveThreads(threads);
  auto model = adapters::OpenModel(model_spec, aopts);
  if (!model.ok()) return Fail(kName, model.status().ToString());

  harness::RunOptions ropts;
  ropts.config.suites = {source->suite};
  ropts.config.model_spec = model_spec;
  ropts.config.tasks = {task.name};
  ropts.out_dir = out_dir;
  ropts.resume = resume;
  std::printf("%s on %s: %s up to %lld tokens, %d trials\n", probe.c_str(), model_spec.c_str(),
              needle ? "haystack lengths" : "distances", static_cast<long long>(grid.back()),
              spec.trials);
  std::fflush(stdout);
  auto results = RunWithProgress({*suite}, **model, ropts, progress_mode);
  if (!results.ok()) return Fail(kName, results.status().ToString());
  auto records = harness::ReadSamples(out_dir + "/samples.jsonl");
  if (!records.ok()) return Fail(kName, records.status().ToString());
  PrintCurve(*results, *records, needle);
  PrintStaticProfile(model_spec);
  if (Status st = reports::WriteRunFolderReports(out_dir, *results); !st.ok()) {
    return Fail(kName, st.ToString());
  }
  std::printf("\nwrote %s/results.json, samples.jsonl and report.html\n", out_dir.c_str());
  int errors = 0;
  for (const auto& t : results->tasks) errors += t.n_errors;
  if (errors > 0) {
    return Fail(kName, std::to_string(errors) +
                           " checkpoints failed (see \"error\" in samples.jsonl); they are not "
                           "scored");
  }
  return kExitOk;
}

}  // namespace rwkv::cli
