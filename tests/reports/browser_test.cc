// Opens report.html in headless Chromium and checks what a reader would see.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "report_fixtures.h"
#include "run_shell.h"
#include "rwkv/reports/html_report.h"
#include "shared_data.h"

namespace rwkv::reports {
namespace {

const char* kChromium = "/usr/bin/chromium";

// Hostile outputs; the first two are the classic probes, the others would mark the page if
// they ever ran.
const char* const kHostile[] = {
    "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>",
    "<img src=x onerror=\"document.body.setAttribute('data-pwned','img')\">",
    "</script><script>document.body.setAttribute('data-pwned','script')</script>"};

harness::ItemRecord RecallItem(const std::string& task, double target, int trial, bool correct) {
  harness::ItemRecord r;
  r.suite = "recall";
  r.task = task;
  r.item = std::to_string(static_cast<int>(target)) + "/" + std::to_string(trial);
  r.kind = "recall";
  r.prompt = "There is an important info hidden inside a lot of irrelevant text.";
  r.target = "48213";
  r.output = correct ? "48213" : "12345";
  r.values = {{"correct", correct ? 1.0 : 0.0},
              {"answer_logprob", correct ? -0.2 : -3.0},
              {"distance", target},
              {"target", target},
              {"trial", trial}};
  return r;
}

ReportModel BrowserModel() {
  ReportModel model;
  model.title = "rwkv-eval browser check";
  RunView a = testing::EmptyRun("rwkv-run", "rwkv.bin"),
          b = testing::EmptyRun("gpt-run", "openai:gpt");
  testing::AddBinaryTask(&a, "arith", "add", "exact:strict", {1, 1, 1, 0}, 0.5);
  testing::AddBinaryTask(&b, "arith", "add", "exact:strict", {1, 0, 0, 0}, 0.5);
  for (size_t i = 0; i < std::size(kHostile); ++i) {
    b.items[i].output = kHostile[i];
    b.items[i].prompt = kHostile[(i + 1) % std::size(kHostile)];
    a.items[i].prompt = b.items[i].prompt;
  }
  // Passkey accuracy 1, 0.75, 0.25, 0 at 16 … 1024 tokens: half-accuracy distance 128.
  const std::pair<double, int> grid[] = {{16, 4}, {64, 3}, {256, 1}, {1024, 0}};
  for (const auto& [target, ok] : grid) {
    for (int t = 0; t < 4; ++t) a.items.push_back(RecallItem("passkey", target, t, t < ok));
  }
  for (double length : {256.0, 1024.0}) {
    for (double depth : {0.0, 0.5, 1.0}) {
      harness::ItemRecord r = RecallItem("needle", length, 0, !(length == 1024 && depth == 0.5));
      r.item += "/" + std::to_string(depth);
      r.values["depth"] = depth;
      r.values["length"] = length;
      a.items.push_back(r);
    }
  }
  for (int k = 0; k < 6; ++k) {
    harness::ItemRecord r;
    r.suite = "recall";
    r.task = "position_loss";
    r.item = "b" + std::to_string(k);
    r.kind = "position_loss";
    r.values = {{"start", k == 0 ? 0.0 : std::pow(2, k)},
                {"end", std::pow(2, k + 1)},
                {"tokens", 100},
                {"mean_nll", 5.0 - 0.5 * k}};
    a.items.push_back(r);
  }
  model.runs = {a, b};
  return model;
}

struct BrowserResult {
  int exit_code = -1;
  std::string dom, log;
};

// Runs Chromium on `page` with a fresh profile; --dump-dom or --screenshot=PNG as `action`.
// A hung browser is killed after two minutes (exit code 124).
BrowserResult RunChromium(const std::string& page, const std::string& action,
                          const std::string& work) {
  const std::string profile = work + "/profile-" + std::to_string(::getpid());
  const std::string log = work + "/chromium.log";
  const std::string cmd =
      "timeout 120 " + std::string(kChromium) +
      " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run"
      " --disable-background-networking --disable-component-update --disable-sync"
      " --user-data-dir=" +
      profile + " --enable-logging=stderr --v=0 --window-size=1400,2600 " + action + " 'file://" +
      page + "' 2>'" + log + "'";
  const auto shell = rwkv::testing::RunShell(cmd);
  BrowserResult r;
  r.exit_code = shell.exit_code;
  r.dom = shell.out;
  r.log = rwkv::testing::ReadFileBytes(log);
  rwkv::testing::RunShell("rm -rf '" + profile + "'");
  return r;
}

std::string Unquote(std::string s) {
  for (size_t p = s.find("&quot;"); p != std::string::npos; p = s.find("&quot;"))
    s.replace(p, 6, "\"");
  return s;
}

TEST(BrowserTest, ReportRendersInChromiumWithoutErrorsOrInjection) {
  if (access(kChromium, X_OK) != 0) {
    GTEST_SKIP() << kChromium
                 << " not found: install it with scripts/install-deps.sh (package "
                    "chromium) to run the browser check";
  }
  const std::string out_dir = RWKV_REPORTS_ARTIFACT_DIR;
  const std::string page = out_dir + "/browser_report.html";
  std::string html = RenderHtmlReport(BrowserModel());
  { std::ofstream(page, std::ios::binary) << html; }
  // A copy with a probe that drives the filters and the search like a reader would.
  const std::string probe =
      "<script>(function(){var r={};function info(){return "
      "document.getElementById('page-info').textContent;}"
      "function set(id,v){var e=document.getElementById(id);e.checked=v;"
      "e.dispatchEvent(new Event('change'));}"
      "r.all=info();set('only-failures',true);r.failures=info();set('only-failures',false);"
      "set('only-disagreements',true);r.disagreements=info();set('only-disagreements',false);"
      "var q=document.getElementById('search');q.value='ONERROR=alert';"
      "q.dispatchEvent(new Event('change'));r.search=info();"
      "r.rows=document.querySelectorAll('#items tbody tr').length;q.value='';"
      "q.dispatchEvent(new Event('change'));"
      "document.body.setAttribute('data-probe',JSON.stringify(r));})();</script>";
  const std::string probed = out_dir + "/browser_report_probe.html";
  {
    std::string copy = html;
    copy.insert(copy.rfind("</body>"), probe);
    std::ofstream(probed, std::ios::binary) << copy;
  }
  const std::string work = rwkv::testing::TempDir("browser");
  const BrowserResult r = RunChromium(page, "--dump-dom", work);
  ASSERT_EQ(r.exit_code, 0) << r.log;
  const std::string& dom = r.dom;
  EXPECT_NE(dom.find("data-rendered=\"1\""), std::string::npos) << "the item script did not finish";
  EXPECT_NE(dom.find("<pre id=\"report-errors\"></pre>"), std::string::npos)
      << "page errors: " << dom.substr(dom.find("report-errors"), 400);
  EXPECT_EQ(dom.find("data-pwned="), std::string::npos) << "hostile output ran";
  EXPECT_EQ(r.log.find("Uncaught"), std::string::npos) << r.log;
  EXPECT_EQ(r.log.find("Refused to"), std::string::npos) << r.log;  // CSP: no network requests
  EXPECT_EQ(dom.find("<img"), std::string::npos);
  EXPECT_NE(dom.find("<title>rwkv-eval browser check</title>"), std::string::npos);
  // Hostile outputs shown as text.
  EXPECT_NE(dom.find("<pre>&lt;script&gt;alert(1)&lt;/script&gt;</pre>"), std::string::npos);
  EXPECT_NE(dom.find("<pre>\"&gt;&lt;img src=x onerror=alert(1)&gt;</pre>"), std::string::npos);
  // Summary values with Wilson intervals (3/4 and 1/4; python3 reference values).
  EXPECT_NE(dom.find("<span class=\"v\">0.75</span> <span class=\"ci\">[0.3006, 0.9544]</span>"),
            std::string::npos);
  EXPECT_NE(dom.find("<span class=\"v\">0.25</span> <span class=\"ci\">[0.04559, 0.6994]</span>"),
            std::string::npos);
  // Memory decay: half-accuracy and 50% distance 128 tokens, charts drawn.
  EXPECT_NE(dom.find("id=\"decay-table\""), std::string::npos);
  EXPECT_NE(dom.find("<td class=\"num\">128</td><td class=\"num\">128</td>"), std::string::npos);
  EXPECT_NE(dom.find("recall/passkey: accuracy"), std::string::npos);
  EXPECT_NE(dom.find("rwkv-run: recall/needle"), std::string::npos);
  EXPECT_NE(dom.find("recall/position_loss: loss by position"), std::string::npos);
  // 4 arith items (both runs) + 16 passkey + 6 needle + 6 position-loss items.
  EXPECT_NE(dom.find("items 1–32 of 32 (page 1 of 1)"), std::string::npos);

  const BrowserResult p = RunChromium(probed, "--dump-dom", work);
  ASSERT_EQ(p.exit_code, 0) << p.log;
  const std::string probe_dom = Unquote(p.dom);
  // Failures: arith i1..i3 (a run fails them), 8 passkey misses, 1 needle miss; the
  // position-loss items have no pass/fail. Disagreements: arith i1, i2 (A solved, B not);
  // items only one run has are not disagreements. Search: i0's prompt and i1's output.
  const size_t probe_at = probe_dom.find("data-probe=");
  ASSERT_NE(probe_at, std::string::npos) << "the probe did not run";
  const std::string probe_text = probe_dom.substr(probe_at, 400);
  EXPECT_NE(probe_dom.find("\"failures\":\"items 1–12 of 12 (page 1 of 1)\""), std::string::npos)
      << probe_text;
  EXPECT_NE(probe_dom.find("\"disagreements\":\"items 1–2 of 2 (page 1 of 1)\""), std::string::npos)
      << probe_text;
  EXPECT_NE(probe_dom.find("\"search\":\"items 1–2 of 2 (page 1 of 1)\""), std::string::npos);
  EXPECT_NE(probe_dom.find("\"rows\":2"), std::string::npos);

  const std::string png = out_dir + "/browser_report.png";
  std::remove(png.c_str());
  const BrowserResult shot = RunChromium(page, "--screenshot='" + png + "'", work);
  ASSERT_EQ(shot.exit_code, 0) << shot.log;
  EXPECT_GT(rwkv::testing::ReadFileBytes(png).size(), 10000u) << "no screenshot at " << png;
  std::printf("screenshot: %s\n", png.c_str());
}

}  // namespace
}  // namespace rwkv::reports
