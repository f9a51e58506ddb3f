// States after the token prefixes of earlier prompts, so that a prompt beginning like an earlier
// one (the same few-shot examples, the same system prompt) is evaluated from where they part
// instead of from the first token. Used by `rwkv-eval serve`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <unordered_map>
#include <vector>

#include "rwkv/state.h"

namespace rwkv::adapters {

class PrefixStateCache {
 public:
  // A prompt's tokens, shared by every entry made from it (so a long prompt's entries cost its
  // tokens once, not once per entry).
  using Tokens = std::shared_ptr<const std::vector<int32_t>>;

  // Prefixes are remembered at multiples of `stride` tokens; entries beyond `budget_bytes`
  // (states plus their share of the tokens) go least recently used first. budget_bytes 0
  // disables the cache. REQUIRES: stride >= 1.
  explicit PrefixStateCache(size_t budget_bytes, int stride = 64);

  int stride() const { return stride_; }

  // The longest remembered prefix of `tokens` that leaves at least one token to evaluate: its
  // length (a multiple of the stride), with its state copied into *state. 0 (and *state
  // untouched) when there is none. Time: one pass over the tokens, plus a comparison of the
  // prefix found.
  size_t Lookup(const std::vector<int32_t>& tokens, State* state);

  // Remembers `state` as the state after (*tokens)[0, n). Successive calls for one prompt
  // (increasing n) hash it once in all. REQUIRES: n <= tokens->size(), n a multiple of the stride.
  void Insert(const Tokens& tokens, size_t n, const State& state);

  size_t entries() const { return map_.size(); }
  size_t bytes() const { return bytes_; }
  // Prompt tokens that lookups found already evaluated, over the cache's life.
  uint64_t hit_tokens() const { return hit_tokens_; }

  // Thread-safety: none; callers serialize (the server holds its engine lock).

 private:
  struct Entry {
    Tokens tokens;  // the prompt the prefix comes from (hashes only narrow the search)
    size_t n = 0;   // the prefix's length
    State state;
    std::list<uint64_t>::iterator lru;
  };
  // Hashes of tokens[0, k * stride) for k = 1, 2, ... up to `limit` tokens, in one pass.
  std::vector<uint64_t> BoundaryHashes(const std::vector<int32_t>& tokens, size_t limit) const;
  size_t EntryBytes(const Entry& e) const;

  size_t budget_;
  int stride_;
  std::unordered_map<uint64_t, Entry> map_;
  std::list<uint64_t> lru_;  // most recent first
  size_t bytes_ = 0;
  uint64_t hit_tokens_ = 0;
  // The prompt Insert hashed last, and its boundary hashes.
  Tokens hashed_;
  std::vector<uint64_t> hashed_boundaries_;
};

}  // namespace rwkv::adapters
