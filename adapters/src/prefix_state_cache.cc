#include "rwkv/adapters/prefix_state_cache.h"

#include <algorithm>

namespace rwkv::adapters {

PrefixStateCache::PrefixStateCache(size_t budget_bytes, int stride)
    : budget_(budget_bytes), stride_(std::max(1, stride)) {}

// FNV-1a over the token ids' bytes.
uint64_t PrefixStateCache::Hash(const std::vector<int32_t>& tokens, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; ++i) {
    uint32_t v = static_cast<uint32_t>(tokens[i]);
    for (int b = 0; b < 4; ++b, v >>= 8) {
      h ^= v & 0xffu;
      h *= 1099511628211ull;
    }
  }
  return h;
}

size_t PrefixStateCache::EntryBytes(const Entry& e) {
  return e.tokens.size() * sizeof(int32_t) + e.state.data().size() * sizeof(float);
}

size_t PrefixStateCache::Lookup(const std::vector<int32_t>& tokens, State* state) {
  if (budget_ == 0 || tokens.size() < 2) return 0;
  const size_t s = static_cast<size_t>(stride_);
  for (size_t n = (tokens.size() - 1) / s * s; n >= s; n -= s) {
    auto it = map_.find(Hash(tokens, n));
    if (it == map_.end() || it->second.tokens.size() != n ||
        !std::equal(it->second.tokens.begin(), it->second.tokens.end(), tokens.begin())) {
      continue;
    }
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    *state = it->second.state;
    hit_tokens_ += n;
    return n;
  }
  return 0;
}

void PrefixStateCache::Insert(const std::vector<int32_t>& tokens, size_t n, const State& state) {
  if (budget_ == 0 || n == 0 || n > tokens.size()) return;
  const uint64_t key = Hash(tokens, n);
  auto it = map_.find(key);
  if (it != map_.end()) {  // the same prefix again, or (rarely) another one with the same hash
    bytes_ -= EntryBytes(it->second);
    lru_.erase(it->second.lru);
    map_.erase(it);
  }
  Entry e;
  e.tokens.assign(tokens.begin(), tokens.begin() + static_cast<std::ptrdiff_t>(n));
  e.state = state;
  if (EntryBytes(e) > budget_) return;
  lru_.push_front(key);
  e.lru = lru_.begin();
  bytes_ += EntryBytes(e);
  map_.emplace(key, std::move(e));
  while (bytes_ > budget_ && !lru_.empty()) {
    auto victim = map_.find(lru_.back());
    bytes_ -= EntryBytes(victim->second);
    map_.erase(victim);
    lru_.pop_back();
  }
}

}  // namespace rwkv::adapters
