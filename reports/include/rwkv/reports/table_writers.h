// Tabular writers over the report model: summary.csv, items.csv, comparison.csv/json, junit.xml.
// Files are written whole to a temporary name and renamed. Errors: I/O (naming the path).
#pragma once

#include <string>

#include "rwkv/reports/report_model.h"
#include "rwkv/status.h"

namespace rwkv::reports {

// summary.csv: one row per suite/task/metric/model with
// suite,task,metric,model,run,value,stderr,ci_low,ci_high,interval,n_items,n_scored,n_errors,passed
Status WriteSummaryCsv(const std::string& path, const ReportModel& model);

// items.csv: one row per item × model with
// suite,task,item,model,run,solved,target,extracted,output,error,values (JSON object),
// prompt_tokens,output_tokens. "extracted" joins pipelines as "name=answer" with " | ".
Status WriteItemsCsv(const std::string& path, const ReportModel& model);

// comparison.csv and comparison.json: one row/object per MetricComparison.
Status WriteComparisonCsv(const std::string& path, const ReportModel& model);
Status WriteComparisonJson(const std::string& path, const ReportModel& model);

// decay.csv: the memory-decay curves of every run (see decay_curves.h), one row per point:
// suite,task,model,run,series,x,x_end,depth,n,value,low,high,mean_logprob,logprob_low,
// logprob_high,mean_distance,half_distance,fifty_distance. series "recall": x = target distance,
// value = accuracy with its Wilson interval; "needle": x = length, depth, value = accuracy;
// "position_loss": positions [x, x_end), n = tokens, value = mean NLL. Returns false through
// `written` (and writes nothing) when no run has recall or position-loss records.
Status WriteDecayCsv(const std::string& path, const ReportModel& model, bool* written);

// junit.xml: one <testsuite> per run, one <testcase> per task ("suite/task"). A task below its
// threshold is a <failure>; a task with item errors or unsupported by the model is an <error>;
// a task without a threshold passes. Names, messages and values are XML-escaped.
Status WriteJunitXml(const std::string& path, const ReportModel& model);

// Writes `content` to `path` atomically (temporary file + rename).
Status WriteFileAtomically(const std::string& path, const std::string& content);

}  // namespace rwkv::reports
