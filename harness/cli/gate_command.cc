// rwkv-eval gate: fail a release when a candidate model regresses against a baseline.
#include <cstdio>
#include <fstream>

#include "command.h"
#include "rwkv/reports/gate.h"
#include "rwkv/reports/report_model.h"
#include "rwkv/reports/table_writers.h"

namespace rwkv::cli {

namespace {
constexpr const char* kName = "gate";
}  // namespace

int RunGate(const std::vector<std::string>& args) {
  std::string baseline_dir, candidate_dir, policy_path, junit_path, markdown_path;
  uint64_t seed = 0;
  po::options_description o;
  o.add_options()("baseline", po::value(&baseline_dir)->required(), "baseline run folder")(
      "candidate", po::value(&candidate_dir)->required(), "candidate run folder")(
      "policy", po::value(&policy_path)->required(), "gate policy (YAML)")(
      "junit", po::value(&junit_path), "write a JUnit XML report here")(
      "markdown", po::value(&markdown_path), "also write the Markdown summary here")(
      "seed", po::value(&seed)->default_value(0), "seed of the paired bootstrap");
  po::positional_options_description pos;
  po::variables_map vm;
  int code = 0;
  if (!ParseArgs(kName, "--baseline RUN --candidate RUN --policy gate.yaml [--junit PATH]",
                 "Checks the candidate run's metrics against the baseline under the policy "
                 "(allowed drops, minimum values, optional significance with paired tests) and "
                 "prints a Markdown summary. Exit 0: pass, 1: regression, 2: bad input.",
                 o, pos, args, &vm, &code)) {
    return code;
  }
  auto policy = reports::ReadGatePolicy(policy_path);
  if (!policy.ok()) return Fail(kName, policy.status().ToString(), kExitUsage);
  auto baseline = reports::ReadRunFolder(baseline_dir);
  if (!baseline.ok()) return Fail(kName, baseline.status().ToString(), kExitUsage);
  auto candidate = reports::ReadRunFolder(candidate_dir);
  if (!candidate.ok()) return Fail(kName, candidate.status().ToString(), kExitUsage);
  auto outcome = reports::EvaluateGate(*policy, *baseline, *candidate, seed);
  if (!outcome.ok()) return Fail(kName, outcome.status().ToString(), kExitUsage);
  const std::string markdown = reports::GateMarkdown(*policy, *baseline, *candidate, *outcome);
  std::fwrite(markdown.data(), 1, markdown.size(), stdout);
  if (!markdown_path.empty()) {
    Status st = reports::WriteFileAtomically(markdown_path, markdown);
    if (!st.ok()) return Fail(kName, st.ToString(), kExitUsage);
  }
  if (!junit_path.empty()) {
    Status st = reports::WriteGateJunit(junit_path, *outcome);
    if (!st.ok()) return Fail(kName, st.ToString(), kExitUsage);
  }
  return outcome->passed ? kExitOk : kExitFailure;
}

}  // namespace rwkv::cli
