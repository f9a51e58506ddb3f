// Engine benchmark: decode and prefill speed and peak memory of random-weight models of real
// shapes (v4-169M and v7-0.1B) in FP32, FP16, Q8_0 and Q5_1 at 1 and 2 threads, judged against
// the machine's memory read bandwidth and FP32 GEMM rate measured in the same run.
//
//   cmake --build BUILD --target engine_bench && BUILD/bench/engine_bench [--decode 128]
//       [--prefill 512] [--types FP32,FP16,Q8_0,Q5_1] [--shapes v4,v7] [--threads 1,2]
//       [--repeats 3]
#include <malloc.h>
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

}  // namespace

int main(int argc, char** argv) {
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
  // Every model runs in this one process: a fixed mmap threshold makes large blocks go back to
  // the system when freed, so one model's peak RSS does not carry the previous one's heap.
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);

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
  std::printf("\n%-10s %-5s %8s %3s | %6s %7s | %9s %6s | %9s %6s | %9s %6s | %8s %8s\n", "shape",
              "type", "file MiB", "thr", "GB/s", "GFLOP/s", "decode/s", "%bw", "prefill/s", "%gemm",
              "pf-all/s", "%gemm", "rss-dec", "rss-peak");
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
      malloc_trim(0);
      const double file_mib = std::filesystem::file_size(path) / (1024.0 * 1024.0);
      ResetPeakRss();
      auto model = Model::Load(path);
      if (!model.ok()) {
        std::fprintf(stderr, "%s\n", model.status().ToString().c_str());
        return 1;
      }
      const double bytes_per_token = static_cast<double>(WeightBytesPerToken(**model));
      const double flops_last = FlopsPerToken(**model, false);
      const double flops_all = FlopsPerToken(**model, true);
      for (size_t ti = 0; ti < thread_counts.size(); ++ti) {
        // The bounds again right before the run, so that other load on the machine weighs on
        // both sides of each ratio alike.
        const double bandwidth = MeasureReadBandwidth(thread_counts[ti]);
        const double gemm = MeasureGemmRate(thread_counts[ti]);
        SetThreads(thread_counts[ti]);
        ResetPeakRss();  // from the loaded model on
        auto r = MeasureSpeed(**model, so);
        if (!r.ok()) {
          std::fprintf(stderr, "%s\n", r.status().ToString().c_str());
          ++failures;
          continue;
        }
        const double bound = bandwidth / bytes_per_token;
        std::printf(
            "%-10s %-5s %8.1f %3d | %6.1f %7.1f | %9.1f %5.0f%% | %9.1f %5.0f%% | %9.1f %5.0f%% | "
            "%8.1f %8.1f\n",
            shape.name, type_name.c_str(), file_mib, thread_counts[ti], bandwidth / 1e9, gemm / 1e9,
            r->decode_tok_s, 100 * r->decode_tok_s / bound, r->prefill_tok_s,
            100 * r->prefill_tok_s * flops_last / gemm, r->prefill_all_logits_tok_s,
            100 * r->prefill_all_logits_tok_s * flops_all / gemm, r->decode_peak_rss_mib,
            PeakRssMiB());
        std::fflush(stdout);
      }
      model = Status::Internal("released");
      malloc_trim(0);
      std::filesystem::remove(path);
    }
  }
  std::filesystem::remove_all(dir);
  std::printf(
      "\nGB/s, GFLOP/s: memory read bandwidth and Eigen's FP32 GEMM rate measured right before "
      "the row.\n%%bw: decode tok/s over the bandwidth bound (read bandwidth / weight bytes per "
      "token).\n"
      "%%gemm: prefill FLOP/s (2 x matrix values per token; with the head for all logits) over "
      "the GEMM rate.\nrss-dec: peak RSS (MiB) with the model loaded, after decoding; rss-peak: "
      "after the "
      "prefill runs too (all-logits holds [%d][vocab] floats). Decode %d tokens, prefill %d; "
      "each rate the best of %d runs.\n",
      so.prefill_tokens, so.decode_tokens, so.prefill_tokens, so.repeats);
  return failures ? 1 : 0;
}
