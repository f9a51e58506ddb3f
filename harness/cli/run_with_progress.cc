#include "run_with_progress.h"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>

#include "rwkv/harness/progress.h"

namespace rwkv::cli {

namespace {
std::atomic<bool> g_interrupted{false};
void OnSigint(int) { g_interrupted.store(true); }
}  // namespace

bool IsProgressMode(const std::string& mode) {
  return mode == "auto" || mode == "bar" || mode == "plain" || mode == "none";
}

StatusOr<harness::RunResults> RunWithProgress(const std::vector<harness::Suite>& suites,
                                              adapters::ModelAdapter& model,
                                              harness::RunOptions options,
                                              const std::string& progress_mode) {
  const bool terminal = isatty(STDERR_FILENO) != 0;
  harness::ProgressPrinter printer(stderr,
                                   progress_mode == "bar" || (progress_mode == "auto" && terminal));
  options.progress = nullptr;
  if (progress_mode != "none") {
    options.progress = [&](const harness::ProgressUpdate& p) { printer.Update(p); };
  }
  g_interrupted.store(false);
  options.cancel = &g_interrupted;
  std::signal(SIGINT, OnSigint);
  auto results = harness::RunSuites(suites, model, options);
  std::signal(SIGINT, SIG_DFL);
  printer.Finish();
  return results;
}

}  // namespace rwkv::cli
