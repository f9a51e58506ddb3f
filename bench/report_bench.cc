// Writing the report files of a run with 100,000 items (target: report.html in < 10 s).
//
//   cmake --build BUILD --target report_bench && BUILD/bench/report_bench [ITEMS] [OUT_DIR]
//
// Items are synthetic: a ~400-byte prompt, a short target, a ~120-byte output with markup
// that needs escaping; two runs side by side for the comparison page.
#include <sys/stat.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "rwkv/reports/html_report.h"
#include "rwkv/reports/run_reports.h"

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

rwkv::reports::RunView MakeRun(const std::string& name, int items, int seed) {
  rwkv::reports::RunView run;
  run.name = name;
  run.results.model.spec = name + ".bin";
  const int tasks = 20;
  for (int t = 0; t < tasks; ++t) {
    rwkv::harness::TaskResult task;
    task.suite = "bench";
    task.task = "task" + std::to_string(t);
    task.kind = "generate";
    rwkv::harness::MetricResult m;
    m.def = {"exact:strict", rwkv::harness::Aggregation::kMean, "exact:strict", "", true};
    m.interval = "wilson";
    task.metrics.push_back(m);
    run.results.tasks.push_back(task);
  }
  const std::string filler =
      "Answer the question with a number. The grass is green. The sky is blue. The sun is "
      "yellow. Here we go. There and back again. <b>markup</b> & \"quotes\" in the prompt. ";
  for (int i = 0; i < items; ++i) {
    rwkv::harness::ItemRecord r;
    r.suite = "bench";
    r.task = "task" + std::to_string(i % tasks);
    r.item = "item" + std::to_string(i);
    r.index = i;
    r.kind = "generate";
    r.prompt = filler + filler + "Question " + std::to_string(i) + ": what is " +
               std::to_string(i) + " + " + std::to_string(seed) + "?";
    r.target = std::to_string(i + seed);
    const bool ok = (i * 7 + seed) % 10 < 7;
    r.output = (ok ? r.target : std::to_string(i)) +
               " because </script><script>alert(1)</script> the sum follows from the question.";
    r.extracted["strict"] = ok ? r.target : std::to_string(i);
    r.values["exact:strict"] = ok ? 1 : 0;
    run.items.push_back(std::move(r));
  }
  return run;
}

}  // namespace

int main(int argc, char** argv) {
  const int items = argc > 1 ? std::atoi(argv[1]) : 100000;
  const std::string out = argc > 2 ? argv[2] : "/tmp/rwkv-eval-report-bench";
  ::mkdir(out.c_str(), 0755);
  rwkv::reports::ReportModel one;
  one.runs.push_back(MakeRun("model-a", items, 1));
  auto t0 = Clock::now();
  rwkv::Status st = rwkv::reports::WriteHtmlReport(out + "/report.html", one);
  const double html_one = Seconds(t0);
  if (!st.ok()) {
    std::fprintf(stderr, "%s\n", st.ToString().c_str());
    return 1;
  }
  struct stat size;
  ::stat((out + "/report.html").c_str(), &size);
  t0 = Clock::now();
  st = rwkv::reports::WriteReportFiles(out, one);
  const double all_one = Seconds(t0);
  rwkv::reports::ReportModel two = one;
  two.runs.push_back(MakeRun("model-b", items, 2));
  t0 = Clock::now();
  st = rwkv::reports::WriteHtmlReport(out + "/report2.html", two);
  const double html_two = Seconds(t0);
  if (!st.ok()) {
    std::fprintf(stderr, "%s\n", st.ToString().c_str());
    return 1;
  }
  std::printf("items: %d\n", items);
  std::printf("report.html, 1 run:  %.3f s  (%.1f MB)  target < 10 s: %s\n", html_one,
              size.st_size / 1e6, html_one < 10 ? "met" : "MISSED");
  std::printf("all report files (summary.csv, items.csv, junit.xml, report.html), 1 run: %.3f s\n",
              all_one);
  std::printf("report.html, 2 runs side by side: %.3f s\n", html_two);
  std::printf("files in %s\n", out.c_str());
  return 0;
}
