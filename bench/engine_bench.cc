// Engine benchmark: decode and prefill speed and peak memory of random-weight models of real
// shapes (v4-169M and v7-0.1B) in FP32, FP16, Q8_0 and Q5_1 at 1 and 2 threads, judged against
// the machine's memory read bandwidth and FP32 GEMM rate measured in the same run.
//
//   cmake --build BUILD --target engine_bench && BUILD/bench/engine_bench [--decode 128]
//       [--prefill 512] [--types FP32,FP16,Q8_0,Q5_1] [--shapes v4,v7] [--threads 1,2]
//       [--repeats 3]
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "rwkv/forward.h"
#include "rwkv/model.h"
#include "rwkv/random_model.h"
#include "rwkv/speed.h"

namespace {

using namespace rwkv;

struct Shape {
  const char* name;
  Arch arch;
  int n_vocab;
};

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

int Usage() {
  std::fprintf(stderr,
               "usage: engine_bench [--decode N] [--prefill N] [--types FP32,FP16,Q8_0,Q5_1] "
               "[--shapes v4,v7] [--threads 1,2] [--repeats 3]\n");
  return 2;
}

// What one measurement reports to the parent process.
struct Measured {
  bool ok = false;
  double bytes_per_token = 0, flops_last = 0, flops_all = 0;
  SpeedResult speed;
  double peak_rss_mib = 0;  // after every run, the all-logits one included
};

// The child's side (`engine_bench --child PATH THREADS DECODE PREFILL REPEATS`): loads the model,
// measures it and prints one line of numbers for the parent.
int RunChild(char** argv) {
  const std::string path = argv[2];
  SpeedOptions so;
  so.decode_tokens = std::atoi(argv[4]);
  so.prefill_tokens = std::atoi(argv[5]);
  so.repeats = std::atoi(argv[6]);
  SetThreads(std::atoi(argv[3]));
  ResetPeakRss();
  auto model = Model::Load(path);
  if (!model.ok()) {
    std::fprintf(stderr, "%s\n", model.status().ToString().c_str());
    return 1;
  }
  auto r = MeasureSpeed(**model, so);
  if (!r.ok()) {
    std::fprintf(stderr, "%s\n", r.status().ToString().c_str());
    return 1;
  }
  std::printf("%.17g %.17g %.17g %.17g %.17g %.17g %.17g %.17g %.17g\n",
              static_cast<double>(WeightBytesPerToken(**model)), FlopsPerToken(**model, false),
              FlopsPerToken(**model, true), r->decode_tok_s, r->prefill_tok_s,
              r->prefill_all_logits_tok_s, r->decode_peak_rss_mib, r->prefill_peak_rss_mib,
              PeakRssMiB());
  return 0;
}

// Measures `path` with `threads` threads in a fresh process (this program with --child), so that
// every row's peak RSS is its own, with nothing left over from the previous model. (A plain
// fork would inherit OpenMP's thread pool, which does not survive a fork.)
Measured MeasureInChild(const char* self, const std::string& path, int threads,
                        const SpeedOptions& so) {
  Measured m;
  std::string command = std::string("'") + self + "' --child '" + path + "' " +
                        std::to_string(threads) + " " + std::to_string(so.decode_tokens) + " " +
                        std::to_string(so.prefill_tokens) + " " + std::to_string(so.repeats);
  FILE* child = popen(command.c_str(), "r");
  if (!child) {
    std::perror("popen");
    return m;
  }
  SpeedResult& r = m.speed;
  const int got =
      std::fscanf(child, "%lf %lf %lf %lf %lf %lf %lf %lf %lf", &m.bytes_per_token, &m.flops_last,
                  &m.flops_all, &r.decode_tok_s, &r.prefill_tok_s, &r.prefill_all_logits_tok_s,
                  &r.decode_peak_rss_mib, &r.prefill_peak_rss_mib, &m.peak_rss_mib);
  const int status = pclose(child);
  m.ok = got == 9 && status == 0;
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 7 && std::string(argv[1]) == "--child") return RunChild(argv);
  SpeedOptions so;
  std::vector<std::string> types = {"FP32", "FP16", "Q8_0", "Q5_1"};
  std::vector<std::string> shapes = {"v4", "v7"};
  std::vector<int> thread_counts = {1, 2};
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) return Usage();
    const std::string v = argv[++i];
    if (a == "--decode") {
      so.decode_tokens = std::atoi(v.c_str());
    } else if (a == "--prefill") {
      so.prefill_tokens = std::atoi(v.c_str());
    } else if (a == "--repeats") {
      so.repeats = std::atoi(v.c_str());
    } else if (a == "--types") {
      types = Split(v);
    } else if (a == "--shapes") {
      shapes = Split(v);
    } else if (a == "--threads") {
      thread_counts.clear();
      for (const auto& t : Split(v)) thread_counts.push_back(std::atoi(t.c_str()));
    } else {
      return Usage();
    }
  }
  if (so.decode_tokens < 1 || so.prefill_tokens < 1 || so.repeats < 1) return Usage();
  std::printf("Machine bounds at the start:\n");
  for (int t : thread_counts) {
    std::printf("  %d thread(s): memory read %.1f GB/s, FP32 GEMM (Eigen) %.1f GFLOP/s\n", t,
                MeasureReadBandwidth(t) / 1e9, MeasureGemmRate(t) / 1e9);
  }

  char tmpl[] = "/tmp/rwkv-engine-bench-XXXXXX";
  if (!mkdtemp(tmpl)) {
    std::perror("mkdtemp");
    return 1;
  }
  const std::string dir = tmpl;
  std::printf("\n%-10s %-5s %8s %3s | %6s %7s | %9s %6s | %9s %6s | %9s %6s | %8s %8s %6s %8s\n",
              "shape", "type", "file MiB", "thr", "GB/s", "GFLOP/s", "decode/s", "%bw", "prefill/s",
              "%gemm", "pf-all/s", "%gemm", "rss-dec", "rss-pf", "+file", "rss-all");
  int failures = 0;
  for (const std::string& shape_name : shapes) {
    Shape shape;
    if (shape_name == "v4") {
      shape = {"v4-169M", Arch::kV4, 50277};
    } else if (shape_name == "v7") {
      shape = {"v7-0.1B", Arch::kV7, 65536};
    } else {
      return Usage();
    }
    for (const std::string& type_name : types) {
      RandomModelSpec spec;
      spec.arch = shape.arch;
      spec.n_layer = 12;
      spec.n_embd = 768;
      spec.n_vocab = shape.n_vocab;
      if (!ParseDType(type_name, &spec.dtype)) return Usage();
      const std::string path = dir + "/" + shape.name + "-" + type_name + ".bin";
      Status st = WriteRandomModel(spec, path);
      if (!st.ok()) {
        std::fprintf(stderr, "%s\n", st.ToString().c_str());
        return 1;
      }
      const double file_mib = std::filesystem::file_size(path) / (1024.0 * 1024.0);
      for (int threads : thread_counts) {
        // The bounds again right before the run, so that other load on the machine weighs on
        // both sides of each ratio alike.
        const double bandwidth = MeasureReadBandwidth(threads);
        const double gemm = MeasureGemmRate(threads);
        const Measured m = MeasureInChild(argv[0], path, threads, so);
        if (!m.ok) {
          ++failures;
          continue;
        }
        const SpeedResult& r = m.speed;
        const double bound = bandwidth / m.bytes_per_token;
        std::printf(
            "%-10s %-5s %8.1f %3d | %6.1f %7.1f | %9.1f %5.0f%% | %9.1f %5.0f%% | %9.1f %5.0f%% | "
            "%8.1f %8.1f %5.0f%% %8.1f\n",
            shape.name, type_name.c_str(), file_mib, threads, bandwidth / 1e9, gemm / 1e9,
            r.decode_tok_s, 100 * r.decode_tok_s / bound, r.prefill_tok_s,
            100 * r.prefill_tok_s * m.flops_last / gemm, r.prefill_all_logits_tok_s,
            100 * r.prefill_all_logits_tok_s * m.flops_all / gemm, r.decode_peak_rss_mib,
            r.prefill_peak_rss_mib, 100 * (r.prefill_peak_rss_mib / file_mib - 1), m.peak_rss_mib);
        std::fflush(stdout);
      }
      std::filesystem::remove(path);
    }
  }
  std::filesystem::remove_all(dir);
  std::printf(
      "\nGB/s, GFLOP/s: memory read bandwidth and Eigen's FP32 GEMM rate measured right before "
      "the row.\n%%bw: decode tok/s over the bandwidth bound (read bandwidth / weight bytes per "
      "token).\n"
      "%%gemm: prefill FLOP/s (2 x matrix values per token; with the head for all logits) over "
      "the GEMM rate.\nrss-dec: peak RSS (MiB) of a process that loaded the model and decoded; "
      "rss-pf: after the last-logits prefill too; +file: rss-pf over the file size; rss-all: after "
      "the all-logits prefill (its output alone is [%d][vocab] floats). Each row runs in its own "
      "process. Decode %d tokens, prefill %d; each rate the best of %d runs.\n",
      so.prefill_tokens, so.decode_tokens, so.prefill_tokens, so.repeats);
  return failures ? 1 : 0;
}
