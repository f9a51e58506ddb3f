// `rwkv-eval compare` and `rwkv-eval gate`, run as a CI job runs them.
#include <gtest/gtest.h>

#include <fstream>

#include "../reports/report_fixtures.h"
#include "run_shell.h"
#include "shared_data.h"

namespace {

using rwkv::testing::ShellResult;

ShellResult RunCli(const std::string& args) {
  return rwkv::testing::RunShell("'" RWKV_EVAL_BINARY "' " + args + " 2>&1");
}

// Writes a run folder whose task arith/add has `solved` as its items' scores.
std::string WriteRun(const std::string& dir, const std::string& name, const std::string& model,
                     const std::vector<int>& solved) {
  rwkv::reports::RunView run = rwkv::testing::EmptyRun(name, model);
  rwkv::testing::AddBinaryTask(&run, "arith", "add", "exact:strict", solved);
  const std::string folder = dir + "/" + name;
  rwkv::testing::RunShell("mkdir -p '" + folder + "'");
  EXPECT_TRUE(rwkv::harness::WriteResults(folder + "/results.json", run.results).ok());
  std::ofstream samples(folder + "/samples.jsonl");
  for (const auto& r : run.items) samples << rwkv::harness::ToJson(r).dump() << "\n";
  return folder;
}

// Baseline 80 of 100; the candidate loses `lost` of them.
struct Runs {
  std::string base, cand;
};
Runs TwoRuns(const std::string& dir, int lost) {
  std::vector<int> a, b;
  for (int i = 0; i < 100; ++i) {
    a.push_back(i < 80);
    b.push_back(i < 80 && i >= lost);
  }
  return {WriteRun(dir, "base", "old.bin", a), WriteRun(dir, "cand", "new.bin", b)};
}

std::string WritePolicy(const std::string& dir, const std::string& yaml) {
  std::ofstream(dir + "/gate.yaml") << yaml;
  return dir + "/gate.yaml";
}

TEST(GateCommand, PassExitsZeroAndWritesJunit) {
  const std::string dir = rwkv::testing::TempDir("gate_cli");
  const Runs runs = TwoRuns(dir, 1);
  const std::string policy =
      WritePolicy(dir, "metrics:\n  - metric: arith/add/exact:strict\n    max_drop: 0.02\n");
  ShellResult r = RunCli("gate --baseline " + runs.base + " --candidate " + runs.cand +
                         " --policy " + policy + " --junit " + dir + "/junit.xml");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("## rwkv-eval gate: ✅ pass"), std::string::npos) << r.out;
  const std::string junit = rwkv::testing::ReadFileBytes(dir + "/junit.xml");
  EXPECT_NE(junit.find("tests=\"1\" failures=\"0\""), std::string::npos) << junit;
}

TEST(GateCommand, RegressionExitsOne) {
  const std::string dir = rwkv::testing::TempDir("gate_cli");
  const Runs runs = TwoRuns(dir, 10);  // 0.80 → 0.70, McNemar p = 2/1024
  const std::string policy = WritePolicy(
      dir,
      "metrics:\n  - metric: 'arith/*/*'\n    max_drop: 0.02\n    require_significant: true\n");
  ShellResult r = RunCli("gate --baseline " + runs.base + " --candidate " + runs.cand +
                         " --policy " + policy + " --junit " + dir + "/junit.xml");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("❌ regression"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("mcnemar_exact | 0.00195"), std::string::npos) << r.out;
  const std::string junit = rwkv::testing::ReadFileBytes(dir + "/junit.xml");
  EXPECT_NE(junit.find("failures=\"1\""), std::string::npos) << junit;
  EXPECT_NE(junit.find("<failure message=\"drop 0.1 &gt; allowed 0.02 (significant)\"/>"),
            std::string::npos)
      << junit;
}

TEST(GateCommand, BadInputExitsTwoNamingFileAndLine) {
  const std::string dir = rwkv::testing::TempDir("gate_cli");
  const Runs runs = TwoRuns(dir, 0);
  const std::string policy =
      WritePolicy(dir, "metrics:\n  - metric: arith/add/exact:strict\n    max_drop: -1\n");
  ShellResult r =
      RunCli("gate --baseline " + runs.base + " --candidate " + runs.cand + " --policy " + policy);
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find(policy + ":3: field 'max_drop' must be >= 0"), std::string::npos) << r.out;
  ShellResult missing =
      RunCli("gate --baseline " + dir + "/nope --candidate " + runs.cand + " --policy " + policy);
  EXPECT_EQ(missing.exit_code, 2) << missing.out;
}

TEST(CompareCommand, WritesSideBySideReports) {
  const std::string dir = rwkv::testing::TempDir("compare_cli");
  const Runs runs = TwoRuns(dir, 10);
  ShellResult r = RunCli("compare " + runs.base + " " + runs.cand + " --out " + dir + "/cmp");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("arith/add"), std::string::npos) << r.out;
  const std::string csv = rwkv::testing::ReadFileBytes(dir + "/cmp/comparison.csv");
  // 70 solved by both, 20 by neither, 10 only by the baseline; p = 2 / 2^10.
  EXPECT_NE(csv.find("arith,add,exact:strict,base,cand,0.8,0.7,-0.1,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",100,70,20,10,0,mcnemar_exact,0.001953125"), std::string::npos) << csv;
  const std::string json = rwkv::testing::ReadFileBytes(dir + "/cmp/comparison.json");
  EXPECT_NE(json.find("\"only_a\": 10"), std::string::npos) << json;
  const std::string html = rwkv::testing::ReadFileBytes(dir + "/cmp/report.html");
  EXPECT_NE(html.find("id=\"comparison-table\""), std::string::npos);
  EXPECT_NE(html.find("<th>base</th><th>cand</th>"), std::string::npos);
  const std::string summary = rwkv::testing::ReadFileBytes(dir + "/cmp/summary.csv");
  EXPECT_NE(summary.find("arith,add,exact:strict,new.bin,cand,0.7,"), std::string::npos);
  EXPECT_EQ(RunCli("compare " + runs.base).exit_code, 2);
}

TEST(RunCommand, WritesTheReportFilesIntoTheRunFolder) {
  REQUIRE_SHARED();
  const std::string dir = rwkv::testing::TempDir("run_reports_cli");
  ShellResult r = RunCli("run arithmetic --limit 2 --progress none --out " + dir + "/run --model " +
                         rwkv::testing::SharedPath("models/tiny/tiny-rwkv-4v0-660K-FP32.bin"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  for (const char* f : {"summary.csv", "items.csv", "junit.xml", "report.html"}) {
    EXPECT_FALSE(rwkv::testing::ReadFileBytes(dir + "/run/" + f).empty()) << f;
  }
  const std::string junit = rwkv::testing::ReadFileBytes(dir + "/run/junit.xml");
  EXPECT_NE(junit.find("name=\"arithmetic/add_1digit\""), std::string::npos) << junit;
}

}  // namespace
