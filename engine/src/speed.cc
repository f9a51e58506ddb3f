#include "rwkv/speed.h"

#include <omp.h>

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "rwkv/forward.h"

namespace rwkv {

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

std::vector<int32_t> PseudoRandomIds(int n, int vocab, uint64_t seed) {
  std::vector<int32_t> ids(static_cast<size_t>(n));
  uint64_t x = seed * 2654435761u + 1;
  for (int32_t& id : ids) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;  // xorshift64
    id = static_cast<int32_t>(x % static_cast<uint64_t>(vocab));
  }
  return ids;
}

size_t MatrixBytes(const Matrix& m) { return m.data ? m.row_bytes * m.rows : 0; }
double MatrixValues(const Matrix& m) { return m.data ? static_cast<double>(m.rows) * m.cols : 0; }

template <typename F>
void ForEachBlockMatrix(const Model& model, F&& f) {
  for (const LayerWeights& L : model.layers()) {
    for (const Matrix* m :
         {&L.att_r, &L.att_k, &L.att_v, &L.att_o, &L.att_g, &L.maa_w1, &L.decay_w1, &L.decay_w2,
          &L.w1, &L.w2, &L.a1, &L.a2, &L.v1, &L.v2, &L.g1, &L.g2, &L.ffn_k, &L.ffn_v, &L.ffn_r}) {
      f(*m);
    }
    for (const Matrix& m : L.maa_w2) f(m);
  }
}

}  // namespace

StatusOr<SpeedResult> MeasureSpeed(const Model& model, const SpeedOptions& opts) {
  const int V = model.config().n_vocab;
  SpeedResult r;
  std::vector<float> logits;
  {
    // Decode: a short warm-up, then one token at a time with the logits of each.
    State s = State::Initial(model);
    ForwardOptions serial;
    serial.max_chunk = 1;
    const std::vector<int32_t> ids = PseudoRandomIds(opts.decode_tokens + 4, V, 1);
    for (int i = 0; i < 4; ++i) {
      RETURN_IF_ERROR(Forward(model, &s, {ids[i]}, LogitsMode::kLast, &logits, serial));
    }
    const int repeats = std::max(1, std::min(opts.repeats, opts.decode_tokens));
    int next = 4;
    for (int rep = 0; rep < repeats; ++rep) {
      const int count =
          opts.decode_tokens * (rep + 1) / repeats - opts.decode_tokens * rep / repeats;
      const auto t0 = Clock::now();
      for (int i = 0; i < count; ++i, ++next) {
        RETURN_IF_ERROR(Forward(model, &s, {ids[next]}, LogitsMode::kLast, &logits, serial));
      }
      r.decode_tok_s = std::max(r.decode_tok_s, count / Seconds(t0));
    }
    r.decode_peak_rss_mib = PeakRssMiB();
  }
  const std::vector<int32_t> prompt = PseudoRandomIds(opts.prefill_tokens, V, 2);
  ForwardOptions seq;
  seq.max_chunk = opts.max_chunk;
  for (LogitsMode mode : {LogitsMode::kLast, LogitsMode::kAll}) {
    {  // warm-up on a short prompt (buffers, thread pool)
      State s = State::Initial(model);
      const std::vector<int32_t> warm(prompt.begin(),
                                      prompt.begin() + std::min<size_t>(prompt.size(), 16));
      RETURN_IF_ERROR(Forward(model, &s, warm, mode, &logits, seq));
    }
    double best = 0;
    for (int rep = 0; rep < std::max(1, opts.repeats); ++rep) {
      State s = State::Initial(model);
      const auto t0 = Clock::now();
      RETURN_IF_ERROR(Forward(model, &s, prompt, mode, &logits, seq));
      best = std::max(best, opts.prefill_tokens / Seconds(t0));
    }
    if (mode == LogitsMode::kLast) {
      r.prefill_tok_s = best;
      r.prefill_peak_rss_mib = PeakRssMiB();
    } else {
      r.prefill_all_logits_tok_s = best;
    }
  }
  return r;
}

size_t WeightBytesPerToken(const Model& model) {
  const size_t emb_bytes = MatrixBytes(model.emb());
  return model.tensors().TotalBytes() - emb_bytes + model.emb().row_bytes;
}

double FlopsPerToken(const Model& model, bool with_head) {
  double values = 0;
  ForEachBlockMatrix(model, [&](const Matrix& m) { values += MatrixValues(m); });
  if (with_head) values += MatrixValues(model.head());
  return 2 * values;
}

double PeakRssMiB() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;  // kB
  }
  return 0;
}

bool ResetPeakRss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  return static_cast<bool>(out.flush());
}

double MeasureReadBandwidth(int threads) {
  // 1 GiB of floats: far beyond any cache.
  const size_t n = size_t{1} << 28;
  std::vector<float> buf(n);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (size_t i = 0; i < n; ++i) buf[i] = static_cast<float>(i & 7);  // first touch per thread
  double best = 0;
  for (int pass = 0; pass < 5; ++pass) {
    const auto t0 = Clock::now();
    double total = 0;
#pragma omp parallel num_threads(threads) reduction(+ : total)
    {
      // Each thread sums its contiguous share with vectorized, unrolled loads.
      const size_t per = n / static_cast<size_t>(omp_get_num_threads());
      const size_t start = per * static_cast<size_t>(omp_get_thread_num());
      total += Eigen::Map<const Eigen::VectorXf>(buf.data() + start, static_cast<Eigen::Index>(per))
                   .sum();
    }
    const double secs = Seconds(t0);
    if (total < 0) std::fprintf(stderr, "impossible\n");  // keeps the sum alive
    best = std::max(best, static_cast<double>(n * sizeof(float)) / secs);
  }
  return best;
}

double MeasureGemmRate(int threads) {
  // Plain column-major operands: Eigen's fastest case.
  const int M = 512, K = 768, N = 3072;
  Eigen::MatrixXf a = Eigen::MatrixXf::Random(M, K), b = Eigen::MatrixXf::Random(K, N), c(M, N);
  const int saved = Eigen::nbThreads();
  Eigen::setNbThreads(threads);
  double best = 0;
  for (int pass = 0; pass < 6; ++pass) {
    const auto t0 = Clock::now();
    c.noalias() = a * b;
    best = std::max(best, 2.0 * M * K * N / Seconds(t0));
  }
  Eigen::setNbThreads(saved);
  if (c(0, 0) == 12345.0f) std::fprintf(stderr, "impossible\n");
  return best;
}

}  // namespace rwkv
