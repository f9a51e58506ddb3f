// States after the token prefixes of earlier prompts, so that a prompt beginning like an earlier
// one (the same few-shot examples, the same system prompt) is evaluated from where they part
// instead of from the first token. Used by `rwkv-eval serve`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <unordered_map>
#include <vector>

#include "rwkv/state.h"

namespace rwkv::adapters {

class PrefixStateCache {
 public:
  // Prefixes are remembered at multiples of `stride` tokens; entries beyond `budget_bytes`
  // (states plus their tokens) go least recently used first. budget_bytes 0 disables the cache.
  // REQUIRES: stride >= 1.
  explicit PrefixStateCache(size_t budget_bytes, int stride = 64);

  int stride() const { return stride_; }

  // The longest remembered prefix of `tokens` that leaves at least one token to evaluate: its
  // length (a multiple of the stride), with its state copied into *state. 0 (and *state
  // untouched) when there is none.
  size_t Lookup(const std::vector<int32_t>& tokens, State* state);

  // Remembers `state` as the state after tokens[0, n). REQUIRES: n <= tokens.size().
  void Insert(const std::vector<int32_t>& tokens, size_t n, const State& state);

  size_t entries() const { return map_.size(); }
  size_t bytes() const { return bytes_; }
  // Prompt tokens that lookups found already evaluated, over the cache's life.
  uint64_t hit_tokens() const { return hit_tokens_; }

  // Thread-safety: none; callers serialize (the server holds its engine lock).

 private:
  struct Entry {
    std::vector<int32_t> tokens;  // the prefix itself (hashes only narrow the search)
    State state;
    std::list<uint64_t>::iterator lru;
  };
  static uint64_t Hash(const std::vector<int32_t>& tokens, size_t n);
  static size_t EntryBytes(const Entry& e);

  size_t budget_;
  int stride_;
  std::unordered_map<uint64_t, Entry> map_;
  std::list<uint64_t> lru_;  // most recent first
  size_t bytes_ = 0;
  uint64_t hit_tokens_ = 0;
};

}  // namespace rwkv::adapters
