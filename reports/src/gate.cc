#include "rwkv/reports/gate.h"

#include <cmath>
#include <sstream>

#include "rwkv/harness/runner.h"
#include "rwkv/reports/comparison.h"
#include "rwkv/reports/escape.h"
#include "rwkv/reports/table_writers.h"

namespace rwkv::reports {

namespace {

const harness::MetricResult* FindMetric(const RunView& run, const MetricComparison& c) {
  const harness::TaskResult* t = FindTask(run, c.suite, c.task);
  return t ? t->Find(c.metric) : nullptr;
}

// Is the drop significant? Paired test when both runs scored shared items, else the two
// runs' 95% intervals not overlapping.
void JudgeSignificance(const MetricComparison& c, const RunView& baseline, const RunView& candidate,
                       double alpha, GateCheck* check, bool* significant) {
  if (c.test != "none" && c.n_paired > 0) {
    check->test = c.test;
    check->p_value = c.p_value;
    *significant = c.p_value < alpha;
    return;
  }
  const harness::MetricResult* a = FindMetric(baseline, c);
  const harness::MetricResult* b = FindMetric(candidate, c);
  check->test = "intervals";
  *significant = a && b && (b->ci_high < a->ci_low || b->ci_low > a->ci_high);
}

GateCheck Check(const GateRule& rule, const MetricComparison& c, const RunView& baseline,
                const RunView& candidate, double alpha) {
  GateCheck check;
  check.suite = c.suite;
  check.task = c.task;
  check.metric = c.metric;
  check.rule_line = rule.line;
  check.has_baseline = c.has_a;
  check.has_candidate = c.has_b;
  check.baseline = c.value_a;
  check.candidate = c.value_b;
  std::vector<std::string> failures;
  if (!c.has_b) {
    check.passed = false;
    check.reason = "missing from the candidate run";
    return check;
  }
  if (!std::isfinite(c.value_b)) failures.push_back("candidate value is not a number");
  if (rule.min && !(c.value_b >= *rule.min)) {
    failures.push_back("below the minimum " + FormatNumber(*rule.min));
  }
  if (rule.max && !(c.value_b <= *rule.max)) {
    failures.push_back("above the maximum " + FormatNumber(*rule.max));
  }
  if (c.has_a) {
    check.drop = c.higher_is_better ? c.value_a - c.value_b : c.value_b - c.value_a;
    std::optional<double> allowed;
    if (rule.max_drop) allowed = *rule.max_drop;
    if (rule.max_relative_drop) {
      const double rel = *rule.max_relative_drop * std::fabs(c.value_a);
      allowed = allowed ? std::min(*allowed, rel) : rel;
    }
    if (!allowed && rule.require_significant) allowed = 0.0;
    check.allowed = allowed;
    if (allowed && check.drop > *allowed + 1e-12) {
      bool significant = true;
      if (rule.require_significant) {
        JudgeSignificance(c, baseline, candidate, alpha, &check, &significant);
      }
      const std::string drop =
          "drop " + FormatNumber(check.drop, 4) + " > allowed " + FormatNumber(*allowed, 4);
      if (significant) {
        failures.push_back(drop + (rule.require_significant ? " (significant)" : ""));
      } else {
        check.reason = drop + ", not significant";
      }
    }
  } else {
    check.reason = "not in the baseline run";
  }
  if (!failures.empty()) {
    check.passed = false;
    check.reason.clear();
    for (const std::string& f : failures) check.reason += (check.reason.empty() ? "" : "; ") + f;
  }
  return check;
}

// Markdown table cell: no line breaks, pipes and markup escaped.
std::string Cell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\n' || c == '\r') {
      out += ' ';
    } else if (c == '|' || c == '*' || c == '_' || c == '`' || c == '[' || c == ']' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

StatusOr<GateOutcome> EvaluateGate(const GatePolicy& policy, const RunView& baseline,
                                   const RunView& candidate, uint64_t seed) {
  const std::vector<MetricComparison> comparisons =
      CompareRuns(baseline.name, baseline.results, baseline.items, candidate.name,
                  candidate.results, candidate.items, seed);
  GateOutcome out;
  for (const GateRule& rule : policy.rules) {
    bool matched = false;
    for (const MetricComparison& c : comparisons) {
      if (!harness::GlobMatch(rule.metric, c.suite + "/" + c.task + "/" + c.metric)) continue;
      matched = true;
      out.checks.push_back(Check(rule, c, baseline, candidate, policy.alpha));
      out.passed = out.passed && out.checks.back().passed;
    }
    if (!matched) {
      return Status::InvalidArgument(policy.path + ":" + std::to_string(rule.line) +
                                     ": field 'metric': '" + rule.metric +
                                     "' matches no metric of either run");
    }
  }
  return out;
}

std::string GateMarkdown(const GatePolicy& policy, const RunView& baseline,
                         const RunView& candidate, const GateOutcome& outcome) {
  std::ostringstream m;
  int failed = 0;
  for (const GateCheck& c : outcome.checks) failed += c.passed ? 0 : 1;
  m << "## rwkv-eval gate: " << (outcome.passed ? "✅ pass" : "❌ regression") << "\n\n";
  m << "Baseline **" << Cell(baseline.name) << "** (`" << Cell(baseline.results.model.spec)
    << "`) · candidate **" << Cell(candidate.name) << "** (`" << Cell(candidate.results.model.spec)
    << "`) · policy `" << Cell(policy.path) << "` · " << outcome.checks.size() << " checks, "
    << failed << " failed\n\n";
  m << "| | suite/task | metric | baseline | candidate | change | allowed drop | test | p | "
       "note |\n|---|---|---|---:|---:|---:|---:|---|---:|---|\n";
  for (const GateCheck& c : outcome.checks) {
    m << "| " << (c.passed ? "✅" : "❌") << " | " << Cell(c.suite + "/" + c.task) << " | "
      << Cell(c.metric) << " | " << (c.has_baseline ? FormatNumber(c.baseline, 4) : "–") << " | "
      << (c.has_candidate ? FormatNumber(c.candidate, 4) : "–") << " | "
      << (c.has_baseline && c.has_candidate ? FormatNumber(c.candidate - c.baseline, 4) : "–")
      << " | " << (c.allowed ? FormatNumber(*c.allowed, 4) : "–") << " | " << c.test << " | "
      << (c.p_value ? FormatNumber(*c.p_value, 3) : "") << " | " << Cell(c.reason) << " |\n";
  }
  return m.str();
}

Status WriteGateJunit(const std::string& path, const GateOutcome& outcome) {
  std::ostringstream x;
  int failures = 0;
  for (const GateCheck& c : outcome.checks) failures += c.passed ? 0 : 1;
  x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"rwkv-eval gate\">\n"
    << "  <testsuite name=\"gate\" tests=\"" << outcome.checks.size() << "\" failures=\""
    << failures << "\" errors=\"0\">\n";
  for (const GateCheck& c : outcome.checks) {
    x << "    <testcase classname=\"" << XmlEscape(c.suite + "/" + c.task) << "\" name=\""
      << XmlEscape(c.suite + "/" + c.task + "/" + c.metric) << "\">";
    if (!c.passed) x << "<failure message=\"" << XmlEscape(c.reason) << "\"/>";
    x << "<system-out>"
      << XmlEscape("baseline " + FormatNumber(c.baseline) + ", candidate " +
                   FormatNumber(c.candidate) + (c.reason.empty() ? "" : ": ") + c.reason)
      << "</system-out></testcase>\n";
  }
  x << "  </testsuite>\n</testsuites>\n";
  return WriteFileAtomically(path, x.str());
}

}  // namespace rwkv::reports
