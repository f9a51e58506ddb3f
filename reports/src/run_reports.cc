#include "rwkv/reports/run_reports.h"

#include "rwkv/reports/html_report.h"
#include "rwkv/reports/table_writers.h"

namespace rwkv::reports {

Status WriteReportFiles(const std::string& out_dir, const ReportModel& model) {
  RETURN_IF_ERROR(WriteSummaryCsv(out_dir + "/summary.csv", model));
  RETURN_IF_ERROR(WriteItemsCsv(out_dir + "/items.csv", model));
  RETURN_IF_ERROR(WriteJunitXml(out_dir + "/junit.xml", model));
  bool decay_written = false;
  RETURN_IF_ERROR(WriteDecayCsv(out_dir + "/decay.csv", model, &decay_written));
  return WriteHtmlReport(out_dir + "/report.html", model);
}

Status WriteRunReports(const std::string& out_dir, const harness::RunResults& results,
                       const std::vector<harness::ItemRecord>& records) {
  ReportModel model;
  RunView run;
  std::string dir = out_dir;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  const size_t slash = dir.rfind('/');
  run.name = slash == std::string::npos ? dir : dir.substr(slash + 1);
  run.results = results;
  run.items = records;
  model.title = "rwkv-eval: " + (results.model.spec.empty() ? run.name : results.model.spec);
  model.runs.push_back(std::move(run));
  return WriteReportFiles(out_dir, model);
}

Status WriteRunFolderReports(const std::string& out_dir, const harness::RunResults& results) {
  ASSIGN_OR_RETURN(const std::vector<harness::ItemRecord> records,
                   harness::ReadSamples(out_dir + "/samples.jsonl"));
  return WriteRunReports(out_dir, results, records);
}

}  // namespace rwkv::reports
