#include "token_scoring.h"

#include <algorithm>
#include <numeric>

#include "engine_session.h"
#include "rwkv/forward.h"

namespace rwkv::adapters {

namespace {

constexpr size_t kChunk = 256;  // tokens per Forward call (bounds the [T][V] logits buffer)

// The score of `id` from the logits that precede it.
TokenScore ScoreFrom(const float* logits, int n_vocab, int32_t id, int top_n) {
  TokenScore s;
  s.logprob = LogProbOf(logits, n_vocab, id);
  if (top_n > 0) {
    const int k = std::min(top_n, n_vocab);
    std::vector<int32_t> order(n_vocab);
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int32_t a, int32_t b) {
      return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
    });
    for (int i = 0; i < k; ++i) {
      s.top.emplace_back(order[i], LogProbOf(logits, n_vocab, order[i]));
    }
  }
  return s;
}

}  // namespace

StatusOr<std::vector<TokenScore>> ScoreAndAdvance(const Model& model, State* state,
                                                  std::vector<float>* logits,
                                                  const std::vector<int32_t>& ids, int top_n) {
  const int V = model.config().n_vocab;
  std::vector<TokenScore> out;
  out.reserve(ids.size());
  std::vector<float> all;
  for (size_t start = 0; start < ids.size(); start += kChunk) {
    const size_t n = std::min(ids.size() - start, kChunk);
    const std::vector<int32_t> chunk(ids.begin() + start, ids.begin() + start + n);
    RETURN_IF_ERROR(Forward(model, state, chunk, LogitsMode::kAll, &all));
    for (size_t i = 0; i < n; ++i) {
      const float* before =
          i == 0 ? (logits->empty() ? nullptr : logits->data()) : all.data() + (i - 1) * V;
      out.push_back(before ? ScoreFrom(before, V, chunk[i], top_n) : TokenScore{});
    }
    logits->assign(all.end() - V, all.end());
  }
  return out;
}

}  // namespace rwkv::adapters
