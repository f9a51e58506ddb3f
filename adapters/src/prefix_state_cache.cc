#include "rwkv/adapters/prefix_state_cache.h"

#include <algorithm>

namespace rwkv::adapters {

PrefixStateCache::PrefixStateCache(size_t budget_bytes, int stride)
    : budget_(budget_bytes), stride_(std::max(1, stride)) {}

// FNV-1a over the token ids' bytes, read out at every multiple of the stride.
std::vector<uint64_t> PrefixStateCache::BoundaryHashes(const std::vector<int32_t>& tokens,
                                                       size_t limit) const {
  std::vector<uint64_t> out;
  const size_t s = static_cast<size_t>(stride_);
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < std::min(limit, tokens.size()); ++i) {
    uint32_t v = static_cast<uint32_t>(tokens[i]);
    for (int b = 0; b < 4; ++b, v >>= 8) {
      h ^= v & 0xffu;
      h *= 1099511628211ull;
    }
    if ((i + 1) % s == 0) out.push_back(h);
  }
  return out;
}

// The state, and the entry's share of its prompt's tokens (one stride's worth).
size_t PrefixStateCache::EntryBytes(const Entry& e) const {
  return e.state.data().size() * sizeof(float) + static_cast<size_t>(stride_) * sizeof(int32_t);
}

size_t PrefixStateCache::Lookup(const std::vector<int32_t>& tokens, State* state) {
  if (budget_ == 0 || tokens.size() < 2) return 0;
  const std::vector<uint64_t> hashes = BoundaryHashes(tokens, tokens.size() - 1);
  const size_t s = static_cast<size_t>(stride_);
  for (size_t k = hashes.size(); k > 0; --k) {
    const size_t n = k * s;
    auto it = map_.find(hashes[k - 1]);
    if (it == map_.end() || it->second.n != n ||
        !std::equal(tokens.begin(), tokens.begin() + static_cast<std::ptrdiff_t>(n),
                    it->second.tokens->begin())) {
      continue;
    }
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    *state = it->second.state;
    hit_tokens_ += n;
    return n;
  }
  return 0;
}

void PrefixStateCache::Insert(const Tokens& tokens, size_t n, const State& state) {
  const size_t s = static_cast<size_t>(stride_);
  if (budget_ == 0 || n == 0 || n % s != 0 || n > tokens->size()) return;
  if (hashed_ != tokens) {
    hashed_ = tokens;
    hashed_boundaries_ = BoundaryHashes(*tokens, tokens->size());
  }
  const uint64_t key = hashed_boundaries_[n / s - 1];
  auto it = map_.find(key);
  if (it != map_.end()) {  // the same prefix again, or (rarely) another one with the same hash
    bytes_ -= EntryBytes(it->second);
    lru_.erase(it->second.lru);
    map_.erase(it);
  }
  Entry e;
  e.tokens = tokens;
  e.n = n;
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
