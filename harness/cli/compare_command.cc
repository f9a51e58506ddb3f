// rwkv-eval compare: several runs side by side, with paired tests against the first.
#include <sys/stat.h>

#include <cstdio>

#include "command.h"
#include "rwkv/reports/escape.h"
#include "rwkv/reports/html_report.h"
#include "rwkv/reports/report_model.h"
#include "rwkv/reports/table_writers.h"

namespace rwkv::cli {

namespace {
constexpr const char* kName = "compare";

void PrintComparisons(const reports::ReportModel& model) {
  std::string pair;
  for (const reports::MetricComparison& c : model.comparisons) {
    if (c.run_a + " vs " + c.run_b != pair) {
      pair = c.run_a + " vs " + c.run_b;
      std::printf("== A = %s, B = %s\n", c.run_a.c_str(), c.run_b.c_str());
      std::printf("%-36s %-18s %10s %10s %10s %8s %6s %6s %6s\n", "suite/task", "metric", "A", "B",
                  "B-A", "p", "both", "onlyA", "onlyB");
    }
    auto num = [](bool has, double v) { return has ? reports::FormatNumber(v, 4) : "-"; };
    const bool paired = c.test != "none";
    std::printf("%-36s %-18s %10s %10s %10s %8s", (c.suite + "/" + c.task).c_str(),
                c.metric.c_str(), num(c.has_a, c.value_a).c_str(), num(c.has_b, c.value_b).c_str(),
                num(c.has_a && c.has_b, c.diff).c_str(),
                paired ? reports::FormatNumber(c.p_value, 3).c_str() : "-");
    if (c.proportion && paired) {
      std::printf(" %6d %6d %6d", c.both, c.only_a, c.only_b);
    }
    std::printf("\n");
  }
}
}  // namespace

int RunCompare(const std::vector<std::string>& args) {
  std::vector<std::string> runs;
  std::string out_dir;
  uint64_t seed = 0;
  po::options_description o;
  o.add_options()("run", po::value(&runs)->composing(), "run folders (results.json [+ samples])")(
      "out,o", po::value(&out_dir),
      "write summary.csv, items.csv, comparison.csv, comparison.json and report.html here")(
      "seed", po::value(&seed)->default_value(0), "seed of the paired bootstrap");
  po::positional_options_description pos;
  pos.add("run", -1);
  po::variables_map vm;
  int code = 0;
  if (!ParseArgs(kName, "RUN_A RUN_B [RUN_C...] [--out DIR]",
                 "Compares runs side by side: every run after the first against the first. Per "
                 "metric the values, the paired difference on the items both runs scored with "
                 "its 95% interval, and a paired test (exact McNemar for accuracies, paired "
                 "bootstrap otherwise); per item, which runs solved it.",
                 o, pos, args, &vm, &code)) {
    return code;
  }
  if (runs.size() < 2) return Fail(kName, "give at least two run folders", kExitUsage);
  reports::ReportModel model;
  model.title = "rwkv-eval comparison";
  for (const std::string& dir : runs) {
    auto run = reports::ReadRunFolder(dir);
    if (!run.ok()) return Fail(kName, run.status().ToString(), kExitUsage);
    model.runs.push_back(std::move(*run));
  }
  // Folder names label the runs; make duplicates distinct.
  for (size_t i = 1; i < model.runs.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (model.runs[i].name == model.runs[j].name) {
        model.runs[i].name += " (" + std::to_string(i + 1) + ")";
      }
    }
  }
  const reports::RunView& a = model.runs.front();
  for (size_t i = 1; i < model.runs.size(); ++i) {
    const reports::RunView& b = model.runs[i];
    auto rows = reports::CompareRuns(a.name, a.results, a.items, b.name, b.results, b.items, seed);
    model.comparisons.insert(model.comparisons.end(), rows.begin(), rows.end());
  }
  PrintComparisons(model);
  if (!out_dir.empty()) {
    ::mkdir(out_dir.c_str(), 0755);
    for (const auto& [file, status] :
         {std::make_pair("summary.csv", reports::WriteSummaryCsv(out_dir + "/summary.csv", model)),
          std::make_pair("items.csv", reports::WriteItemsCsv(out_dir + "/items.csv", model)),
          std::make_pair("comparison.csv",
                         reports::WriteComparisonCsv(out_dir + "/comparison.csv", model)),
          std::make_pair("comparison.json",
                         reports::WriteComparisonJson(out_dir + "/comparison.json", model)),
          std::make_pair("report.html",
                         reports::WriteHtmlReport(out_dir + "/report.html", model))}) {
      if (!status.ok()) return Fail(kName, std::string(file) + ": " + status.ToString());
    }
    std::printf("wrote %s/{summary.csv,items.csv,comparison.csv,comparison.json,report.html}\n",
                out_dir.c_str());
  }
  return kExitOk;
}

}  // namespace rwkv::cli
