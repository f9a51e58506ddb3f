// Turns one planned item into model requests and its scored ItemRecord.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "rwkv/adapters/model_adapter.h"
#include "rwkv/harness/results.h"
#include "rwkv/harness/runner.h"

namespace rwkv::harness {

// Sessions after a shared prefix, forked for every item that shares it (adapters with
// state_fork). Thread-safe. Bounded: cleared when it holds `capacity` prefixes.
class PrefixStateCache {
 public:
  explicit PrefixStateCache(size_t capacity = 64) : capacity_(capacity) {}
  // A fork of the session after `prefix` (created on first use).
  StatusOr<std::unique_ptr<adapters::Session>> ForkAfter(adapters::ModelAdapter& model,
                                                         const std::string& prefix);

 private:
  size_t capacity_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<adapters::Session>> sessions_;
};

// Runs `planned` through `model`. Model errors become ItemRecord::error (kUnsupported sets
// `unsupported`); the returned record is always complete. `seed` drives sampling.
ItemRecord ExecuteItem(const PlannedItem& planned, adapters::ModelAdapter& model,
                       PrefixStateCache* cache, uint64_t seed);

}  // namespace rwkv::harness
