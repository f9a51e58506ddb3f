#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "report_fixtures.h"
#include "rwkv/reports/html_report.h"
#include "rwkv/reports/run_reports.h"
#include "rwkv/reports/table_writers.h"
#include "shared_data.h"

namespace rwkv::reports {
namespace {

const char* const kHostile[] = {"<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>",
                                "</script><script>alert(2)</script>", "<!-- x"};

std::string Slurp(const std::string& path) { return rwkv::testing::ReadFileBytes(path); }

ReportModel TwoRunModel() {
  ReportModel model;
  RunView a = testing::EmptyRun("run-a", "rwkv.bin"), b = testing::EmptyRun("run-b", "openai:gpt");
  testing::AddBinaryTask(&a, "arith", "add", "exact:strict", {1, 1, 1, 0}, 0.5);
  testing::AddBinaryTask(&b, "arith", "add", "exact:strict", {1, 0, 0, 0}, 0.5);
  for (size_t i = 0; i < std::size(kHostile); ++i) {
    harness::ItemRecord r = testing::BinaryItem("arith", "evil", "e" + std::to_string(i),
                                                "exact:strict", 0, kHostile[i]);
    r.prompt = kHostile[(i + 1) % std::size(kHostile)];
    r.target = kHostile[(i + 2) % std::size(kHostile)];
    r.extracted["strict"] = kHostile[(i + 3) % std::size(kHostile)];
    a.items.push_back(r);
  }
  harness::TaskResult evil;
  evil.suite = "<b>arith</b>";
  evil.task = "evil\"task";
  harness::MetricResult mr;
  mr.def = {"<i>m</i>", harness::Aggregation::kMean, "x", "", true};
  evil.metrics.push_back(mr);
  a.results.tasks.push_back(evil);
  model.runs = {a, b};
  return model;
}

TEST(SummaryCsvTest, OneRowPerTaskMetricAndModel) {
  const std::string dir = rwkv::testing::TempDir("summary_csv");
  ASSERT_TRUE(WriteSummaryCsv(dir + "/summary.csv", TwoRunModel()).ok());
  const std::string csv = Slurp(dir + "/summary.csv");
  std::istringstream lines(csv);
  std::vector<std::string> rows;
  for (std::string l; std::getline(lines, l);) rows.push_back(l);
  ASSERT_EQ(rows.size(), 4u);  // header + add(a) + evil(a) + add(b)
  EXPECT_EQ(rows[0],
            "suite,task,metric,model,run,value,stderr,ci_low,ci_high,interval,n_items,n_scored,"
            "n_errors,passed");
  // 3/4: Wilson [0.30064184258, 0.95441273919] (python3, z = 1.959963984540054).
  EXPECT_EQ(rows[1].substr(0, rows[1].find(",0.2165")),
            "arith,add,exact:strict,rwkv.bin,run-a,0.75");
  EXPECT_NE(rows[1].find(",0.3006418426,0.9544127392,wilson,4,4,0,true"), std::string::npos);
  EXPECT_NE(rows[3].find("arith,add,exact:strict,openai:gpt,run-b,0.25,"), std::string::npos);
  EXPECT_NE(rows[3].find(",false"), std::string::npos);
  EXPECT_NE(rows[2].find("\"evil\"\"task\""), std::string::npos);
}

TEST(ItemsCsvTest, OneRowPerItemAndModelWithQuotedOutputs) {
  const std::string dir = rwkv::testing::TempDir("items_csv");
  ReportModel model = TwoRunModel();
  model.runs[1].items[0].output = "line one\nline, \"two\"";
  ASSERT_TRUE(WriteItemsCsv(dir + "/items.csv", model).ok());
  const std::string csv = Slurp(dir + "/items.csv");
  EXPECT_EQ(csv.rfind("suite,task,item,model,run,solved,target,extracted,output,error,values,", 0),
            0u);
  EXPECT_NE(csv.find("arith,add,i0,rwkv.bin,run-a,1,42,strict=42,42,,"), std::string::npos);
  EXPECT_NE(csv.find("arith,add,i1,openai:gpt,run-b,0,42,strict=41,41,,"), std::string::npos);
  EXPECT_NE(csv.find("\"line one\nline, \"\"two\"\"\""), std::string::npos);
  size_t rows = 0;
  for (const auto& run : model.runs) rows += run.items.size();
  EXPECT_EQ(rows, 4u + std::size(kHostile) + 4u);
}

TEST(JunitTest, OneTestcasePerTaskWithFailuresAndErrors) {
  const std::string dir = rwkv::testing::TempDir("junit");
  ReportModel model = TwoRunModel();
  model.runs[0].results.tasks[1].n_errors = 2;
  model.runs[0].results.tasks[1].n_items = 5;
  ASSERT_TRUE(WriteJunitXml(dir + "/junit.xml", model).ok());
  const std::string xml = Slurp(dir + "/junit.xml");
  EXPECT_NE(xml.find("<testsuite name=\"rwkv.bin\" tests=\"2\" failures=\"0\" errors=\"1\">"),
            std::string::npos);
  EXPECT_NE(xml.find("<testsuite name=\"openai:gpt\" tests=\"1\" failures=\"1\" errors=\"0\">"),
            std::string::npos);
  EXPECT_NE(xml.find("<failure message=\"exact:strict = 0.25, required &gt;= 0.5\"/>"),
            std::string::npos);
  EXPECT_NE(xml.find("<error message=\"2 of 5 items failed\"/>"), std::string::npos);
  EXPECT_NE(xml.find("name=\"&lt;b&gt;arith&lt;/b&gt;/evil&quot;task\""), std::string::npos);
  EXPECT_EQ(xml.find("<b>"), std::string::npos);
}

TEST(HtmlReportTest, HostileTextNeverAppearsUnescaped) {
  const std::string html = RenderHtmlReport(TwoRunModel());
  for (const char* h : kHostile) {
    EXPECT_EQ(html.find(h), std::string::npos) << h;
  }
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("<b>arith"), std::string::npos);
  EXPECT_NE(html.find("&lt;b&gt;arith&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(html.find("\\u003cscript\\u003ealert(1)\\u003c/script\\u003e"), std::string::npos);
  // Exactly the page's own script elements: the error trap, the data block, the table script.
  size_t scripts = 0;
  for (size_t p = html.find("<script"); p != std::string::npos; p = html.find("<script", p + 1)) {
    ++scripts;
  }
  EXPECT_EQ(scripts, 3u);
  size_t closes = 0;
  for (size_t p = html.find("</script"); p != std::string::npos; p = html.find("</script", p + 1)) {
    ++closes;
  }
  EXPECT_EQ(closes, 3u);
}

TEST(HtmlReportTest, SelfContainedWithoutNetworkReferences) {
  const std::string html = RenderHtmlReport(TwoRunModel());
  // The page without the item data (JSON text, never markup).
  const size_t data = html.find("<script id=\"item-data\"");
  ASSERT_NE(data, std::string::npos);
  const std::string page = html.substr(0, data) + html.substr(html.find("</script>", data));
  for (const char* ref : {"http://", "https://", "src=", "href=", "@import", "url("}) {
    // The SVG namespace URI is an identifier, not a request.
    std::string rest = page;
    const std::string ns = "xmlns=\"http://www.w3.org/2000/svg\"";
    for (size_t p = rest.find(ns); p != std::string::npos; p = rest.find(ns))
      rest.erase(p, ns.size());
    EXPECT_EQ(rest.find(ref), std::string::npos) << ref;
  }
  EXPECT_NE(html.find("Content-Security-Policy"), std::string::npos);
  EXPECT_NE(html.find("default-src 'none'"), std::string::npos);
}

TEST(HtmlReportTest, CutsLongFieldsAtACharacterBoundary) {
  ReportModel model = TwoRunModel();
  model.runs[1].items[0].output = std::string(10, 'a') + "é";  // é = 2 bytes at 10..11
  HtmlOptions options;
  options.max_field_chars = 11;
  const std::string html = RenderHtmlReport(model, options);
  EXPECT_NE(html.find("aaaaaaaaaa […2 more bytes]"), std::string::npos);
}

TEST(RunReportsTest, WritesEveryReportFile) {
  const std::string dir = rwkv::testing::TempDir("run_reports");
  const ReportModel model = TwoRunModel();
  ASSERT_TRUE(WriteRunReports(dir, model.runs[0].results, model.runs[0].items).ok());
  for (const char* f : {"summary.csv", "items.csv", "junit.xml", "report.html"}) {
    EXPECT_FALSE(Slurp(dir + "/" + f).empty()) << f;
  }
  EXPECT_FALSE(WriteRunReports(dir + "/missing/folder", model.runs[0].results, {}).ok());
}

}  // namespace
}  // namespace rwkv::reports
