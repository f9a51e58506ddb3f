// Running suites from the command line: the progress display that --progress asks for, and
// Ctrl-C as a clean stop (shared by `run` and `decay`).
#pragma once

#include <string>
#include <vector>

#include "rwkv/harness/runner.h"

namespace rwkv::cli {

// Whether `mode` is a --progress value: auto (a bar on a terminal, lines otherwise), bar,
// plain or none.
bool IsProgressMode(const std::string& mode);

// harness::RunSuites with progress on stderr as `progress_mode` says, and SIGINT (Ctrl-C)
// cancelling the run: items finished so far stay journaled in the run folder, and the error
// returned says the run was interrupted. Overrides `options.progress` and `options.cancel`.
// Not thread-safe (installs a process-wide SIGINT handler for the duration of the run).
StatusOr<harness::RunResults> RunWithProgress(const std::vector<harness::Suite>& suites,
                                              adapters::ModelAdapter& model,
                                              harness::RunOptions options,
                                              const std::string& progress_mode);

}  // namespace rwkv::cli
