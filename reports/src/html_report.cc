#include "rwkv/reports/html_report.h"

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "html_assets.h"
#include "rwkv/reports/decay_curves.h"
#include "rwkv/reports/escape.h"
#include "rwkv/reports/table_writers.h"
#include "svg_charts.h"

namespace rwkv::reports {

namespace {

using harness::ItemRecord;
using harness::MetricResult;
using harness::TaskResult;
using nlohmann::json;

std::string E(const std::string& s) { return HtmlEscape(s); }

std::string Cut(const std::string& s, size_t max_chars) {
  if (s.size() <= max_chars) return s;
  size_t end = max_chars;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return s.substr(0, end) + " […" + std::to_string(s.size() - end) + " more bytes]";
}

std::string PromptText(const ItemRecord& r) {
  if (!r.messages.empty()) {
    std::string out;
    for (const auto& m : r.messages) out += "[" + m.role + "] " + m.content + "\n";
    return out;
  }
  return r.prefix + r.prompt;
}

struct MetricRow {
  std::string suite, task, metric;
};

// Every suite/task/metric of every run, in first-seen order.
std::vector<MetricRow> MetricRows(const ReportModel& model) {
  std::vector<MetricRow> rows;
  std::map<std::string, bool> seen;
  for (const RunView& run : model.runs) {
    for (const TaskResult& t : run.results.tasks) {
      for (const MetricResult& m : t.metrics) {
        if (seen.emplace(t.suite + "\n" + t.task + "\n" + m.def.name, true).second) {
          rows.push_back({t.suite, t.task, m.def.name});
        }
      }
    }
  }
  return rows;
}

void RunsSection(const ReportModel& model, std::ostringstream& h) {
  h << "<h2 id=\"runs\">Runs</h2><table><thead><tr><th>run</th><th>model</th><th>format</th>"
       "<th>architecture</th><th>SHA-256</th><th>engine</th><th>seed</th><th>suites</th>"
       "</tr></thead><tbody>";
  for (const RunView& run : model.runs) {
    const auto& r = run.results;
    std::string suites;
    for (const auto& s : r.suites) suites += (suites.empty() ? "" : ", ") + s.id + " " + s.version;
    h << "<tr><td>" << E(run.name) << "</td><td>" << E(r.model.spec) << "</td><td>"
      << E(r.model.format) << "</td><td>" << E(r.model.architecture) << "</td><td><code>"
      << E(r.model.sha256.substr(0, 16)) << "</code></td><td>" << E(r.engine_version) << "</td><td>"
      << r.config.seed << "</td><td>" << E(suites) << "</td></tr>";
  }
  h << "</tbody></table>";
}

void SummarySection(const ReportModel& model, std::ostringstream& h) {
  h << "<h2 id=\"summary\">Summary</h2><p class=\"small\">Value and 95% interval (Wilson for "
       "proportions, bootstrap otherwise).</p><table id=\"summary-table\"><thead><tr>"
       "<th>suite</th><th>task</th><th>metric</th>";
  for (const RunView& run : model.runs) h << "<th>" << E(run.name) << "</th>";
  h << "</tr></thead><tbody>";
  for (const MetricRow& row : MetricRows(model)) {
    h << "<tr><td>" << E(row.suite) << "</td><td>" << E(row.task) << "</td><td>" << E(row.metric)
      << "</td>";
    for (const RunView& run : model.runs) {
      const TaskResult* t = FindTask(run, row.suite, row.task);
      const MetricResult* m = t ? t->Find(row.metric) : nullptr;
      if (!m) {
        h << "<td class=\"num\">–</td>";
        continue;
      }
      h << "<td class=\"num\"><span class=\"v\">" << FormatNumber(m->value, 4)
        << "</span> <span class=\"ci\">[" << FormatNumber(m->ci_low, 4) << ", "
        << FormatNumber(m->ci_high, 4) << "]</span>";
      if (t->pass_metric && *t->pass_metric == row.metric && t->passed) {
        h << (*t->passed ? " <span class=\"pass\">PASS</span>"
                         : " <span class=\"fail\">FAIL</span>");
      }
      if (t->n_errors > 0) h << " <span class=\"err\">" << t->n_errors << " errors</span>";
      h << "</td>";
    }
    h << "</tr>";
  }
  h << "</tbody></table>";
}

void ComparisonSection(const ReportModel& model, std::ostringstream& h) {
  if (model.comparisons.empty()) return;
  h << "<h2 id=\"comparison\">Paired comparison</h2><p class=\"small\">Difference B − A on the "
       "items both runs scored; exact McNemar test for proportions, paired bootstrap otherwise. "
       "Only A / only B: items solved by one run alone.</p><table id=\"comparison-table\"><thead>"
       "<tr><th>suite/task</th><th>metric</th><th>A</th><th>B</th><th>value A</th><th>value B"
       "</th><th>B − A [95%]</th><th>paired</th><th>both</th><th>neither</th><th>only A</th>"
       "<th>only B</th><th>test</th><th>p</th></tr></thead><tbody>";
  for (const MetricComparison& c : model.comparisons) {
    const bool paired = c.test != "none";
    const bool significant = paired && c.p_value < 0.05;
    h << "<tr><td>" << E(c.suite + "/" + c.task) << "</td><td>" << E(c.metric) << "</td><td>"
      << E(c.run_a) << "</td><td>" << E(c.run_b) << "</td><td class=\"num\">"
      << (c.has_a ? FormatNumber(c.value_a, 4) : "–") << "</td><td class=\"num\">"
      << (c.has_b ? FormatNumber(c.value_b, 4) : "–") << "</td><td class=\"num\">"
      << (c.has_a && c.has_b ? FormatNumber(c.diff, 4) : "–");
    if (paired) {
      h << " <span class=\"ci\">[" << FormatNumber(c.diff_low, 4) << ", "
        << FormatNumber(c.diff_high, 4) << "]</span>";
    }
    h << "</td><td class=\"num\">" << c.n_paired << "</td>";
    for (int v : {c.both, c.neither, c.only_a, c.only_b}) {
      h << "<td class=\"num\">" << (c.proportion && paired ? std::to_string(v) : "") << "</td>";
    }
    h << "<td>" << E(c.test) << "</td><td class=\"num" << (significant ? " fail" : "") << "\">"
      << (paired ? FormatNumber(c.p_value, 3) : "") << "</td></tr>";
  }
  h << "</tbody></table>";
}

void SuiteCharts(const ReportModel& model, std::ostringstream& h) {
  std::vector<std::string> names;
  for (const RunView& run : model.runs) names.push_back(run.name);
  std::map<std::string, std::vector<BarGroup>> by_suite;
  std::vector<std::string> suite_order;
  for (const MetricRow& row : MetricRows(model)) {
    BarGroup g;
    g.label = row.task + " " + row.metric;
    bool any = false;
    for (const RunView& run : model.runs) {
      const TaskResult* t = FindTask(run, row.suite, row.task);
      const MetricResult* m = t ? t->Find(row.metric) : nullptr;
      const bool shown = m && m->interval == "wilson";
      any = any || shown;
      g.value.push_back(shown ? m->value : std::nan(""));
      g.low.push_back(shown ? m->ci_low : 0);
      g.high.push_back(shown ? m->ci_high : 0);
    }
    if (!any) continue;
    if (!by_suite.count(row.suite)) suite_order.push_back(row.suite);
    by_suite[row.suite].push_back(g);
  }
  if (suite_order.empty()) return;
  h << "<h2 id=\"charts\">Suites</h2><p class=\"small\">Proportions with 95% Wilson intervals."
       "</p><div class=\"charts\">";
  for (const std::string& suite : suite_order) {
    h << BarChartSvg(suite, names, by_suite[suite]);
  }
  h << "</div>";
}

std::string Distance(const std::optional<double>& d) { return d ? FormatNumber(*d, 4) : "–"; }

void DecaySection(const ReportModel& model, std::ostringstream& h) {
  std::vector<DecayCurves> curves;
  bool any = false;
  for (const RunView& run : model.runs) {
    curves.push_back(ComputeDecayCurves(run.items));
    any = any || !curves.back().empty();
  }
  if (!any) return;
  h << "<h2 id=\"decay\">Memory decay</h2>";
  // Recall curves: one chart per task, a series per run.
  std::vector<std::pair<std::string, std::string>> tasks;
  for (const DecayCurves& c : curves) {
    for (const DecayCurve& r : c.recall) {
      bool seen = false;
      for (const auto& t : tasks) seen = seen || (t.first == r.suite && t.second == r.task);
      if (!seen) tasks.emplace_back(r.suite, r.task);
    }
  }
  if (!tasks.empty()) {
    h << "<table id=\"decay-table\"><thead><tr><th>suite/task</th><th>run</th><th>accuracy at "
         "shortest distance</th><th>half-accuracy distance</th><th>50% distance</th></tr>"
         "</thead><tbody>";
    for (const auto& [suite, task] : tasks) {
      for (size_t k = 0; k < curves.size(); ++k) {
        for (const DecayCurve& r : curves[k].recall) {
          if (r.suite != suite || r.task != task || r.points.empty()) continue;
          h << "<tr><td>" << E(suite + "/" + task) << "</td><td>" << E(model.runs[k].name)
            << "</td><td class=\"num\">" << FormatNumber(r.points.front().accuracy, 3)
            << "</td><td class=\"num\">" << Distance(r.half_distance) << "</td><td class=\"num\">"
            << Distance(r.fifty_distance) << "</td></tr>";
        }
      }
    }
    h << "</tbody></table><p class=\"small\">Distances in tokens, log-linear interpolation "
         "between grid points; – when accuracy never falls that far (or starts below).</p>";
  }
  h << "<div class=\"charts\">";
  for (const auto& [suite, task] : tasks) {
    LineChartSpec acc, lp;
    acc.title = suite + "/" + task + ": accuracy";
    lp.title = suite + "/" + task + ": answer log-prob";
    acc.x_label = lp.x_label = "distance (tokens)";
    acc.y_label = "accuracy (95% Wilson)";
    lp.y_label = "mean log-prob (95%)";
    acc.log_x = lp.log_x = true;
    acc.fixed_y = true;
    bool has_lp = false;
    for (size_t k = 0; k < curves.size(); ++k) {
      for (const DecayCurve& r : curves[k].recall) {
        if (r.suite != suite || r.task != task) continue;
        ChartSeries a{model.runs[k].name, {}, {}, {}, {}}, l = a;
        for (const DecayPoint& p : r.points) {
          a.x.push_back(p.target);
          a.y.push_back(p.accuracy);
          a.low.push_back(p.acc_low);
          a.high.push_back(p.acc_high);
          if (p.has_logprob) {
            has_lp = true;
            l.x.push_back(p.target);
            l.y.push_back(p.mean_logprob);
            l.low.push_back(p.logprob_low);
            l.high.push_back(p.logprob_high);
          }
        }
        if (curves.size() == 1) {
          if (r.half_distance) acc.x_markers.emplace_back(*r.half_distance, "half");
          if (r.fifty_distance) acc.x_markers.emplace_back(*r.fifty_distance, "50%");
        }
        acc.series.push_back(a);
        lp.series.push_back(l);
      }
    }
    h << LineChartSvg(acc);
    if (has_lp) h << LineChartSvg(lp);
  }
  for (size_t k = 0; k < curves.size(); ++k) {
    for (const NeedleHeatmap& m : curves[k].heatmaps) {
      h << HeatmapSvg(model.runs[k].name + ": " + m.suite + "/" + m.task, m);
    }
  }
  std::vector<std::pair<std::string, std::string>> loss_tasks;
  for (const DecayCurves& c : curves) {
    for (const PositionLossCurve& l : c.position_loss) {
      bool seen = false;
      for (const auto& t : loss_tasks) seen = seen || (t.first == l.suite && t.second == l.task);
      if (!seen) loss_tasks.emplace_back(l.suite, l.task);
    }
  }
  for (const auto& [suite, task] : loss_tasks) {
    LineChartSpec spec;
    spec.title = suite + "/" + task + ": loss by position";
    spec.x_label = "token position";
    spec.y_label = "mean NLL (nats)";
    spec.log_x = true;
    for (size_t k = 0; k < curves.size(); ++k) {
      for (const PositionLossCurve& l : curves[k].position_loss) {
        if (l.suite != suite || l.task != task) continue;
        ChartSeries s{model.runs[k].name, {}, {}, {}, {}};
        for (const PositionLossPoint& p : l.points) {
          s.x.push_back(std::max(1.0, std::sqrt(std::max(1.0, p.start) * std::max(1.0, p.end))));
          s.y.push_back(p.mean_nll);
        }
        spec.series.push_back(s);
      }
    }
    h << LineChartSvg(spec);
  }
  h << "</div>";
}

// The item data for the page's script (see ItemTableScript for the layout).
std::string ItemData(const ReportModel& model, const HtmlOptions& options) {
  const AlignedItems aligned = AlignItems(model.runs);
  json runs = json::array(), tasks = json::array(), items = json::array();
  for (const RunView& run : model.runs) runs.push_back(run.name);
  std::map<std::string, size_t> task_index;
  // Solved key per run and task.
  std::vector<std::map<std::string, std::string>> solved_keys(model.runs.size());
  for (size_t r = 0; r < model.runs.size(); ++r) {
    for (const TaskResult& t : model.runs[r].results.tasks) {
      solved_keys[r][t.suite + "/" + t.task] = SolvedKey(t);
    }
  }
  for (size_t row = 0; row < aligned.keys.size(); ++row) {
    const ItemRecord* first = nullptr;
    json per_run = json::array();
    for (size_t r = 0; r < model.runs.size(); ++r) {
      const int64_t i = aligned.index[row][r];
      if (i < 0) {
        per_run.push_back(nullptr);
        continue;
      }
      const ItemRecord& rec = model.runs[r].items[static_cast<size_t>(i)];
      if (!first) first = &rec;
      std::string extracted;
      for (const auto& [name, answer] : rec.extracted) {
        extracted += (extracted.empty() ? "" : " | ") +
                     (rec.extracted.size() > 1 ? name + "=" : std::string()) + answer;
      }
      auto key = solved_keys[r].find(rec.suite + "/" + rec.task);
      const std::string solved_key =
          key != solved_keys[r].end() ? key->second : (rec.kind == "recall" ? "correct" : "");
      const int solved = Solved(rec, solved_key);
      per_run.push_back(json::array({solved < 0 ? json(nullptr) : json(solved),
                                     Cut(extracted, options.max_field_chars),
                                     Cut(rec.output, options.max_field_chars), rec.error}));
    }
    const std::string task = first->suite + "/" + first->task;
    auto [it, inserted] = task_index.emplace(task, tasks.size());
    if (inserted) tasks.push_back(task);
    items.push_back(
        json::array({it->second, first->item, Cut(PromptText(*first), options.max_field_chars),
                     first->target, std::move(per_run)}));
  }
  json data = {{"runs", runs}, {"tasks", tasks}, {"items", std::move(items)}};
  return ScriptSafeJson(data.dump(-1, ' ', false, json::error_handler_t::replace));
}

void ItemsSection(const ReportModel& model, const HtmlOptions& options, std::ostringstream& h) {
  bool any = false;
  for (const RunView& run : model.runs) any = any || !run.items.empty();
  if (!any) return;
  h << "<h2 id=\"items-section\">Items</h2><div id=\"controls\">"
       "<input id=\"search\" type=\"search\" placeholder=\"search prompts, targets, outputs\" "
       "size=\"40\"><select id=\"task-filter\"><option value=\"\">all tasks</option></select>"
       "<label><input id=\"only-failures\" type=\"checkbox\"> failures only</label>"
       "<label><input id=\"only-disagreements\" type=\"checkbox\"> disagreements only</label>"
       "<button id=\"prev\" type=\"button\">◀ previous</button><button id=\"next\" "
       "type=\"button\">next ▶</button><span id=\"page-info\" class=\"small\"></span></div>"
       "<table id=\"items\"><thead><tr></tr></thead><tbody></tbody></table>"
       "<script id=\"item-data\" type=\"application/json\">"
    << ItemData(model, options) << "</script>";
}

}  // namespace

std::string RenderHtmlReport(const ReportModel& model, const HtmlOptions& options) {
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
       "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>"
    << E(model.title) << "</title><style>" << ReportCss() << "</style></head><body>"
    << "<script>" << ErrorTrapScript() << "</script><pre id=\"report-errors\"></pre>"
    << "<h1>" << E(model.title) << "</h1>";
  RunsSection(model, h);
  SummarySection(model, h);
  ComparisonSection(model, h);
  SuiteCharts(model, h);
  DecaySection(model, h);
  ItemsSection(model, options, h);
  h << "<script>" << ItemTableScript() << "</script></body></html>\n";
  return h.str();
}

Status WriteHtmlReport(const std::string& path, const ReportModel& model,
                       const HtmlOptions& options) {
  return WriteFileAtomically(path, RenderHtmlReport(model, options));
}

}  // namespace rwkv::reports
