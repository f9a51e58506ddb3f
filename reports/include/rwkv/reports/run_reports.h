// The report files of one finished run, written into its output folder.
#pragma once

#include <string>
#include <vector>

#include "rwkv/harness/results.h"
#include "rwkv/reports/report_model.h"
#include "rwkv/status.h"

namespace rwkv::reports {

// Writes summary.csv, items.csv, junit.xml, report.html and (when there are memory-decay
// records) decay.csv for `model` into `out_dir`
// (which must exist). Errors: I/O, naming the file.
Status WriteReportFiles(const std::string& out_dir, const ReportModel& model);

// The same for one run (what `rwkv-eval run` calls after writing results.json and
// samples.jsonl). The run is named after the folder.
Status WriteRunReports(const std::string& out_dir, const harness::RunResults& results,
                       const std::vector<harness::ItemRecord>& records);

// After `rwkv-eval run`: reads OUT_DIR/samples.jsonl (as the run left it) and writes the
// report files next to results.json. Errors: samples.jsonl unreadable or malformed; I/O.
Status WriteRunFolderReports(const std::string& out_dir, const harness::RunResults& results);

}  // namespace rwkv::reports
