// The regression gate: compares a candidate run against a baseline under a policy file.
//
// Policy (YAML):
//   alpha: 0.05                      # optional; significance level (default 0.05)
//   metrics:
//     - metric: "arith*/*/exact:*"   # suite/task/metric pattern, '*' = any run of characters
//       max_drop: 0.02               # allowed drop, absolute (in the metric's units)
//       max_relative_drop: 0.05      # allowed drop as a fraction of the baseline value
//       min: 0.5                     # candidate must be >= min (max: <= max)
//       require_significant: true    # a drop beyond the allowance fails only when significant
// A "drop" is a change in the bad direction (down for higher-is-better metrics, up for
// perplexities). With both allowances, both must hold. With require_significant and no
// allowance, any significant drop fails. Significance: exact McNemar (proportions) or paired
// bootstrap on the items both runs scored, p < alpha; without samples in both runs, the two
// runs' 95% intervals not overlapping.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "rwkv/reports/report_model.h"
#include "rwkv/status.h"

namespace rwkv::reports {

struct GateRule {
  std::string metric;  // pattern over "suite/task/metric"
  int line = 0;        // 1-based line in the policy file
  std::optional<double> max_drop, max_relative_drop, min, max;
  bool require_significant = false;
};

struct GatePolicy {
  std::string path;
  double alpha = 0.05;
  std::vector<GateRule> rules;
};

// Parses a policy. Errors (InvalidArgument) name "path:line" and the field: YAML syntax, an
// unknown field, a value of the wrong type, a rule without `metric` or without any check,
// alpha outside (0, 1), a negative allowance.
StatusOr<GatePolicy> ParseGatePolicy(const std::string& yaml_text, const std::string& path);
StatusOr<GatePolicy> ReadGatePolicy(const std::string& path);

struct GateCheck {
  std::string suite, task, metric;
  int rule_line = 0;
  bool has_baseline = false, has_candidate = false;
  double baseline = 0, candidate = 0;
  double drop = 0;                // in the bad direction (> 0 is worse)
  std::optional<double> allowed;  // the allowance in absolute units
  std::string test = "none";      // "mcnemar_exact", "paired_bootstrap", "intervals", "none"
  std::optional<double> p_value;
  bool passed = true;
  std::string reason;  // why it failed, or a note ("drop not significant")
};

struct GateOutcome {
  std::vector<GateCheck> checks;
  bool passed = true;
};

// Evaluates every rule against every metric it matches (in either run). Errors
// (InvalidArgument, "path:line"): a rule that matches no metric in either run.
StatusOr<GateOutcome> EvaluateGate(const GatePolicy& policy, const RunView& baseline,
                                   const RunView& candidate, uint64_t seed = 0);

// Markdown for a CI job summary or pull-request comment (untrusted names escaped).
std::string GateMarkdown(const GatePolicy& policy, const RunView& baseline,
                         const RunView& candidate, const GateOutcome& outcome);

// junit.xml with one testcase per check.
Status WriteGateJunit(const std::string& path, const GateOutcome& outcome);

}  // namespace rwkv::reports
