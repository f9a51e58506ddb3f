// report.html: one self-contained page (inline CSS, JS and SVG; no network requests) over the
// report model — summary table with 95% intervals, comparisons, per-suite charts, memory-decay
// curves and heatmaps, and a paged, searchable, filterable per-item table with every run side
// by side.
//
// Untrusted text (model output, prompts, names) is HTML-escaped where the page is built;
// the item data is embedded as JSON in <script type="application/json"> with '<', '>' and '&'
// escaped, and the page's script inserts it with textContent only.
#pragma once

#include <string>

#include "rwkv/reports/report_model.h"
#include "rwkv/status.h"

namespace rwkv::reports {

struct HtmlOptions {
  // Prompts and outputs longer than this are cut in the page (the cut is marked with the
  // number of characters left out); CSV and samples.jsonl keep them whole.
  size_t max_field_chars = 4000;
};

// The page as a string.
std::string RenderHtmlReport(const ReportModel& model, const HtmlOptions& options = {});

// Writes RenderHtmlReport to `path`. Errors: I/O.
Status WriteHtmlReport(const std::string& path, const ReportModel& model,
                       const HtmlOptions& options = {});

}  // namespace rwkv::reports
