#include "rwkv/reports/table_writers.h"

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "rwkv/reports/decay_curves.h"
#include "rwkv/reports/escape.h"

namespace rwkv::reports {

using harness::ItemRecord;
using harness::MetricResult;
using harness::TaskResult;

namespace {

std::string ModelLabel(const RunView& run) {
  return run.results.model.spec.empty() ? run.name : run.results.model.spec;
}

std::string Row(std::initializer_list<std::string> fields) {
  std::string line;
  bool first = true;
  for (const std::string& f : fields) {
    if (!first) line += ',';
    first = false;
    line += CsvField(f);
  }
  return line + "\n";
}

std::string Num(double v) { return FormatNumber(v, 10); }

}  // namespace

Status WriteFileAtomically(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Status::IOError(tmp + ": cannot create");
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out) return Status::IOError(tmp + ": write failed");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::IOError(path + ": cannot replace");
  }
  return Status::Ok();
}

Status WriteSummaryCsv(const std::string& path, const ReportModel& model) {
  std::string out = Row({"suite", "task", "metric", "model", "run", "value", "stderr", "ci_low",
                         "ci_high", "interval", "n_items", "n_scored", "n_errors", "passed"});
  for (const RunView& run : model.runs) {
    for (const TaskResult& t : run.results.tasks) {
      const std::string passed = t.passed ? (*t.passed ? "true" : "false") : "";
      for (const MetricResult& m : t.metrics) {
        out += Row({t.suite, t.task, m.def.name, ModelLabel(run), run.name, Num(m.value),
                    Num(m.std_err), Num(m.ci_low), Num(m.ci_high), m.interval,
                    std::to_string(t.n_items), std::to_string(t.n_scored),
                    std::to_string(t.n_errors), passed});
      }
    }
  }
  return WriteFileAtomically(path, out);
}

Status WriteItemsCsv(const std::string& path, const ReportModel& model) {
  std::string out = Row({"suite", "task", "item", "model", "run", "solved", "target", "extracted",
                         "output", "error", "values", "prompt_tokens", "output_tokens"});
  for (const RunView& run : model.runs) {
    const std::string label = ModelLabel(run);
    std::string last_task, solved_key;
    for (const ItemRecord& r : run.items) {
      const std::string task_id = r.suite + "/" + r.task;
      if (task_id != last_task) {
        const TaskResult* t = FindTask(run, r.suite, r.task);
        solved_key = t ? SolvedKey(*t) : (r.kind == "recall" ? "correct" : "");
        last_task = task_id;
      }
      const int solved = Solved(r, solved_key);
      std::string extracted;
      for (const auto& [name, answer] : r.extracted) {
        if (!extracted.empty()) extracted += " | ";
        extracted += name + "=" + answer;
      }
      const std::string values =
          nlohmann::json(r.values).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      out += Row({r.suite, r.task, r.item, label, run.name,
                  solved < 0 ? "" : std::to_string(solved), r.target, extracted, r.output, r.error,
                  values, std::to_string(r.prompt_tokens), std::to_string(r.output_tokens)});
    }
  }
  return WriteFileAtomically(path, out);
}

Status WriteComparisonCsv(const std::string& path, const ReportModel& model) {
  std::string out =
      Row({"suite", "task", "metric", "run_a", "run_b", "value_a", "value_b", "diff", "diff_low",
           "diff_high", "n_paired", "both", "neither", "only_a", "only_b", "test", "p_value"});
  for (const MetricComparison& c : model.comparisons) {
    const bool paired = c.test != "none";
    out += Row(
        {c.suite, c.task, c.metric, c.run_a, c.run_b, c.has_a ? Num(c.value_a) : "",
         c.has_b ? Num(c.value_b) : "", c.has_a && c.has_b ? Num(c.diff) : "",
         paired ? Num(c.diff_low) : "", paired ? Num(c.diff_high) : "", std::to_string(c.n_paired),
         c.proportion ? std::to_string(c.both) : "", c.proportion ? std::to_string(c.neither) : "",
         c.proportion ? std::to_string(c.only_a) : "", c.proportion ? std::to_string(c.only_b) : "",
         c.test, paired ? Num(c.p_value) : ""});
  }
  return WriteFileAtomically(path, out);
}

Status WriteComparisonJson(const std::string& path, const ReportModel& model) {
  using nlohmann::json;
  json runs = json::array();
  for (const RunView& run : model.runs) {
    runs.push_back({{"name", run.name}, {"model", run.results.model.spec}});
  }
  json rows = json::array();
  for (const MetricComparison& c : model.comparisons) {
    json row = {{"suite", c.suite},   {"task", c.task},
                {"metric", c.metric}, {"run_a", c.run_a},
                {"run_b", c.run_b},   {"n_paired", c.n_paired},
                {"test", c.test},     {"higher_is_better", c.higher_is_better}};
    row["value_a"] = c.has_a ? json(c.value_a) : json(nullptr);
    row["value_b"] = c.has_b ? json(c.value_b) : json(nullptr);
    if (c.has_a && c.has_b) row["diff"] = c.diff;
    if (c.test != "none") {
      row["diff_ci95"] = {c.diff_low, c.diff_high};
      row["p_value"] = c.p_value;
    }
    if (c.proportion && c.test != "none") {
      row["both"] = c.both;
      row["neither"] = c.neither;
      row["only_a"] = c.only_a;
      row["only_b"] = c.only_b;
    }
    rows.push_back(row);
  }
  json j = {{"runs", runs}, {"comparisons", rows}};
  return WriteFileAtomically(path, j.dump(2, ' ', false, json::error_handler_t::replace) + "\n");
}

Status WriteDecayCsv(const std::string& path, const ReportModel& model, bool* written) {
  *written = false;
  std::string out = Row({"suite", "task", "model", "run", "series", "x", "x_end", "depth", "n",
                         "value", "low", "high", "mean_logprob", "logprob_low", "logprob_high",
                         "mean_distance", "half_distance", "fifty_distance"});
  bool any = false;
  for (const RunView& run : model.runs) {
    const DecayCurves curves = ComputeDecayCurves(run.items);
    any = any || !curves.empty();
    const std::string label = ModelLabel(run);
    for (const DecayCurve& c : curves.recall) {
      const std::string half = c.half_distance ? Num(*c.half_distance) : "";
      const std::string fifty = c.fifty_distance ? Num(*c.fifty_distance) : "";
      for (const DecayPoint& p : c.points) {
        out +=
            Row({c.suite, c.task, label, run.name, "recall", Num(p.target), "", "",
                 std::to_string(p.n), Num(p.accuracy), Num(p.acc_low), Num(p.acc_high),
                 p.has_logprob ? Num(p.mean_logprob) : "", p.has_logprob ? Num(p.logprob_low) : "",
                 p.has_logprob ? Num(p.logprob_high) : "", Num(p.mean_distance), half, fifty});
      }
    }
    for (const NeedleHeatmap& h : curves.heatmaps) {
      for (const HeatCell& cell : h.cells) {
        out +=
            Row({h.suite, h.task, label, run.name, "needle", Num(cell.length), "", Num(cell.depth),
                 std::to_string(cell.n), Num(cell.accuracy), "", "", "", "", "", "", "", ""});
      }
    }
    for (const PositionLossCurve& l : curves.position_loss) {
      for (const PositionLossPoint& p : l.points) {
        out += Row({l.suite, l.task, label, run.name, "position_loss", Num(p.start), Num(p.end), "",
                    Num(p.tokens), Num(p.mean_nll), "", "", "", "", "", "", "", ""});
      }
    }
  }
  if (!any) return Status::Ok();
  *written = true;
  return WriteFileAtomically(path, out);
}

Status WriteJunitXml(const std::string& path, const ReportModel& model) {
  std::ostringstream x;
  x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"rwkv-eval\">\n";
  for (const RunView& run : model.runs) {
    int failures = 0, errors = 0;
    for (const TaskResult& t : run.results.tasks) {
      if (t.n_errors > 0 || !t.unsupported.empty())
        ++errors;
      else if (t.passed && !*t.passed)
        ++failures;
    }
    x << "  <testsuite name=\"" << XmlEscape(ModelLabel(run)) << "\" tests=\""
      << run.results.tasks.size() << "\" failures=\"" << failures << "\" errors=\"" << errors
      << "\">\n";
    for (const TaskResult& t : run.results.tasks) {
      x << "    <testcase classname=\"" << XmlEscape(t.suite) << "\" name=\""
        << XmlEscape(t.suite + "/" + t.task) << "\">\n";
      std::string metrics;
      for (const MetricResult& m : t.metrics) {
        metrics += m.def.name + " = " + FormatNumber(m.value) + " [" + FormatNumber(m.ci_low) +
                   ", " + FormatNumber(m.ci_high) + "]\n";
      }
      if (!t.unsupported.empty()) {
        x << "      <error message=\"" << XmlEscape(t.unsupported) << "\"/>\n";
      } else if (t.n_errors > 0) {
        x << "      <error message=\""
          << XmlEscape(std::to_string(t.n_errors) + " of " + std::to_string(t.n_items) +
                       " items failed")
          << "\"/>\n";
      } else if (t.passed && !*t.passed) {
        const MetricResult* m = t.Find(*t.pass_metric);
        x << "      <failure message=\""
          << XmlEscape(*t.pass_metric + " = " + FormatNumber(m ? m->value : 0) + ", required " +
                       ((m && !m->def.higher_is_better) ? "<= " : ">= ") + FormatNumber(t.pass_min))
          << "\"/>\n";
      }
      x << "      <system-out>" << XmlEscape(metrics) << "</system-out>\n    </testcase>\n";
    }
    x << "  </testsuite>\n";
  }
  x << "</testsuites>\n";
  return WriteFileAtomically(path, x.str());
}

}  // namespace rwkv::reports
