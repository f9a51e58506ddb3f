// Memory of the one-pass recall probe against distance: peak RSS of a passkey trial whose fact
// lies 1,000 tokens before the question, against one at 100,000 tokens (and any other distances
// given). Each distance runs in its own child process, so every peak is that run's own; the
// recurrent state does not grow with the text, so the peaks should be within a few MB.
//
//   cmake --build BUILD --target recall_rss_bench && BUILD/bench/recall_rss_bench
//       [--model FILE] [--distances 1000,100000] [--threads 1]
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "rwkv/adapters/builtin_adapter.h"
#include "rwkv/harness/recall_probe.h"

namespace {

struct ChildReport {
  long long distance = 0;  // measured tokens between fact and question
  double seconds = 0;
  int correct = 0;
  double logprob = 0;
};

// Runs one passkey trial at `distance` and writes its report to `fd`.
int RunChild(const std::string& model_path, long long distance, int threads, int fd) {
  rwkv::adapters::AdapterOptions opts;
  opts.threads = threads;
  auto model = rwkv::adapters::OpenBuiltinModel(model_path, opts);
  if (!model.ok()) {
    std::fprintf(stderr, "%s\n", model.status().ToString().c_str());
    return 1;
  }
  rwkv::harness::RecallSpec spec;
  spec.trials = 1;
  spec.distances = {distance};
  const auto start = std::chrono::steady_clock::now();
  auto r = rwkv::harness::RunRecall(**model, spec, {});
  if (!r.ok()) {
    std::fprintf(stderr, "%s\n", r.status().ToString().c_str());
    return 1;
  }
  ChildReport rep;
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  rep.distance = (*r)[0].distance;
  rep.correct = (*r)[0].correct;
  rep.logprob = (*r)[0].answer_logprob;
  return write(fd, &rep, sizeof rep) == static_cast<ssize_t>(sizeof rep) ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model =
      std::string(RWKV_EVAL_SOURCE_DIR) + "/../shared/models/tiny/tiny-rwkv-7v0-834K-FP32.bin";
  if (const char* shared = std::getenv("RWKV_EVAL_SHARED")) {
    model = std::string(shared) + "/models/tiny/tiny-rwkv-7v0-834K-FP32.bin";
  }
  std::vector<long long> distances = {1000, 100000};
  int threads = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--model") {
      model = argv[i + 1];
    } else if (flag == "--threads") {
      threads = std::atoi(argv[i + 1]);
    } else if (flag == "--distances") {
      distances.clear();
      std::stringstream s(argv[i + 1]);
      std::string part;
      while (std::getline(s, part, ',')) distances.push_back(std::atoll(part.c_str()));
    } else {
      std::fprintf(stderr, "unknown option %s\n", argv[i]);
      return 2;
    }
  }
  std::printf("passkey recall, one pass, %s, %d thread(s)\n", model.c_str(), threads);
  std::printf("%12s %12s %14s %10s %8s %12s\n", "distance", "measured", "peak RSS (KiB)", "seconds",
              "correct", "answer lp");
  std::vector<long> peaks;
  for (long long d : distances) {
    int pipe_fd[2];
    if (pipe(pipe_fd) != 0) return 1;
    std::fflush(stdout);
    const pid_t pid = fork();
    if (pid == 0) {
      close(pipe_fd[0]);
      _exit(RunChild(model, d, threads, pipe_fd[1]));
    }
    close(pipe_fd[1]);
    ChildReport rep;
    const bool got = read(pipe_fd[0], &rep, sizeof rep) == static_cast<ssize_t>(sizeof rep);
    close(pipe_fd[0]);
    int status = 0;
    rusage usage{};
    wait4(pid, &status, 0, &usage);
    if (!got || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::fprintf(stderr, "the run at distance %lld failed\n", d);
      return 1;
    }
    peaks.push_back(usage.ru_maxrss);
    std::printf("%12lld %12lld %14ld %10.2f %8d %12.3f\n", d, rep.distance, usage.ru_maxrss,
                rep.seconds, rep.correct, rep.logprob);
  }
  if (peaks.size() >= 2) {
    std::printf("peak RSS at the longest distance minus at the shortest: %+ld KiB\n",
                peaks.back() - peaks.front());
  }
  return 0;
}
