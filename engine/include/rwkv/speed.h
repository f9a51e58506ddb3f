// Speed and memory measurements shared by `rwkv-eval bench` and the engine benchmark:
// decode and prefill throughput of a model, peak resident memory, and the machine's memory
// read bandwidth and FP32 GEMM rate (the bounds the engine's speed is judged against).
// Thread-safety: not thread-safe (measures the whole process); run one at a time.
#pragma once

#include <cstddef>
#include <cstdint>

#include "rwkv/model.h"
#include "rwkv/status.h"

namespace rwkv {

struct SpeedOptions {
  int decode_tokens = 128;   // tokens generated one at a time (serial mode)
  int prefill_tokens = 512;  // prompt length for the sequence-mode runs
  int max_chunk = 128;       // sequence-mode chunk (ForwardOptions::max_chunk)
  // Each rate is the best of this many runs (decode: of as many equal segments of the decoded
  // tokens), as for the bandwidth and GEMM bounds, so that other load on the machine weighs
  // less.
  int repeats = 3;
};

struct SpeedResult {
  double decode_tok_s = 0;              // serial mode, logits after every token
  double prefill_tok_s = 0;             // sequence mode, logits after the last token only
  double prefill_all_logits_tok_s = 0;  // sequence mode, logits after every token
  // Peak resident memory of the process (PeakRssMiB) right after the decode run, i.e. before
  // the sequence-mode runs allocate their [tokens][vocab] logits.
  double decode_peak_rss_mib = 0;
  // The same after the last-logits prefill too: what a model costs in memory, before the
  // all-logits run allocates [tokens][vocab] floats of output.
  double prefill_peak_rss_mib = 0;
};

// Runs the three measurements on `model` with the current thread count (SetThreads).
// Token ids are pseudo-random in [0, n_vocab). Errors: those of Forward.
StatusOr<SpeedResult> MeasureSpeed(const Model& model, const SpeedOptions& opts);

// Bytes of weights one decoded token reads: every matrix and vector except the embedding,
// of which one row is read.
size_t WeightBytesPerToken(const Model& model);
// Multiply-adds times two per token in sequence mode: 2 * the values of every matrix of the
// blocks, plus the head's when `with_head`.
double FlopsPerToken(const Model& model, bool with_head);

// Peak resident set size of this process in MiB (VmHWM), and a reset of that peak to the
// current resident size (Linux /proc/self/clear_refs; false where unavailable).
double PeakRssMiB();
bool ResetPeakRss();

// The machine's sustained memory read bandwidth in bytes/s with `threads` threads: the best of
// several passes summing a buffer far larger than the caches.
double MeasureReadBandwidth(int threads);
// The machine's FP32 matrix-product rate in FLOP/s with `threads` threads: Eigen's own
// (multi-threaded) GEMM on a prefill-shaped column-major product [512 x 768] x [768 x 3072],
// best of several.
double MeasureGemmRate(int threads);

}  // namespace rwkv
