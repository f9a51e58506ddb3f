#include "rwkv/forward.h"

#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "blocks.h"
#include "kernels.h"
#include "rwkv/bf16_layer_norm.h"

namespace rwkv {

namespace {

// Runs T tokens (one chunk) through every block; leaves the final residual stream in x [T][C].
void RunChunk(const Model& model, State* state, const int32_t* tokens, int T,
              std::vector<float>* x) {
  const ModelConfig& c = model.config();
  const int C = c.n_embd;
  const size_t TC = static_cast<size_t>(T) * C;
  x->resize(TC);
  // x = ln0(emb[token]), in bfloat16 arithmetic for a bfloat16 v4-v6 checkpoint
  ParallelFor(T, static_cast<int64_t>(TC), [&](int t) {
    float* row = x->data() + static_cast<size_t>(t) * C;
    EmbeddingRow(model.emb(), tokens[t], row);
    if (c.ln0_in_bf16) {
      LayerNormBf16LikeTorch(row, model.ln0_w().data(), model.ln0_b().data(), C, row);
    } else {
      LayerNorm(row, model.ln0_w().data(), model.ln0_b().data(), C, row);
    }
  });
  std::vector<float> xln(TC), out(TC), v_first(c.arch == Arch::kV7 ? TC : 0);
  for (int l = 0; l < c.n_layer; ++l) {
    const LayerWeights& L = model.layers()[static_cast<size_t>(l)];
    // x = x + att(ln1(x))
    LayerNormRows(x->data(), L.ln1_w, L.ln1_b, T, C, xln.data());
    float* shift = state->att_shift(l);
    float* wkv = state->wkv(l);
    switch (c.arch) {
      case Arch::kV4:
        TimeMixV4(L, c, T, xln.data(), shift, wkv, out.data());
        break;
      case Arch::kV5_0:
      case Arch::kV5_1:
      case Arch::kV5_2:
        TimeMixV5(L, c, T, xln.data(), shift, wkv, out.data());
        break;
      case Arch::kV6:
        TimeMixV6(L, c, T, xln.data(), shift, wkv, out.data());
        break;
      case Arch::kV7:
        TimeMixV7(L, c, l, T, xln.data(), shift, wkv, v_first.data(), out.data());
        break;
    }
    AddRows(out.data(), T, C, x->data());
    // x = x + ffn(ln2(x))
    LayerNormRows(x->data(), L.ln2_w, L.ln2_b, T, C, xln.data());
    ChannelMix(L, c, T, xln.data(), state->ffn_shift(l), out.data());
    AddRows(out.data(), T, C, x->data());
  }
}

// logits[t] = ln_out(x[t]) @ head for the `T` rows of x.
void Head(const Model& model, const float* x, int T, float* logits) {
  const int C = model.config().n_embd;
  std::vector<float> xln(static_cast<size_t>(T) * C);
  LayerNormRows(x, model.ln_out_w(), model.ln_out_b(), T, C, xln.data());
  Linear(model.head(), xln.data(), T, logits);
}

}  // namespace

Status Forward(const Model& model, State* state, const std::vector<int32_t>& tokens,
               LogitsMode mode, std::vector<float>* logits, const ForwardOptions& opts) {
  const ModelConfig& c = model.config();
  if (!state->Matches(model)) {
    return Status::InvalidArgument("state was made for another model than " + model.Describe());
  }
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i] < 0 || tokens[i] >= c.n_vocab) {
      return Status::InvalidArgument("token " + std::to_string(tokens[i]) + " at position " +
                                     std::to_string(i) + " is outside the vocabulary [0, " +
                                     std::to_string(c.n_vocab) + ")");
    }
  }
  const size_t V = static_cast<size_t>(c.n_vocab);
  const size_t n = tokens.size();
  if (logits) {
    if (mode == LogitsMode::kAll) logits->assign(n * V, 0.0f);
    if (mode == LogitsMode::kLast) logits->assign(V, 0.0f);
  }
  if (n == 0) return Status::Ok();
  const int chunk = std::max(1, opts.max_chunk);
  std::vector<float> x;
  for (size_t start = 0; start < n; start += static_cast<size_t>(chunk)) {
    const int T = static_cast<int>(std::min(n - start, static_cast<size_t>(chunk)));
    RunChunk(model, state, tokens.data() + start, T, &x);
    if (opts.after_chunk) opts.after_chunk(start + static_cast<size_t>(T), *state);
    if (!logits) continue;
    const int C = c.n_embd;
    if (mode == LogitsMode::kAll) {
      Head(model, x.data(), T, logits->data() + start * V);
    } else if (mode == LogitsMode::kLast && start + static_cast<size_t>(T) == n) {
      Head(model, x.data() + static_cast<size_t>(T - 1) * C, 1, logits->data());
    }
  }
  return Status::Ok();
}

void SetThreads(int n) {
  if (n > 0) omp_set_num_threads(n);
}

int ThreadsFromEnv(int fallback) {
  const char* e = std::getenv("RWKV_EVAL_THREADS");
  if (!e || !*e) return fallback;
  char* end = nullptr;
  const long v = std::strtol(e, &end, 10);
  if (*end != '\0' || v < 1 || v > 1024) return fallback;
  return static_cast<int>(v);
}

}  // namespace rwkv
