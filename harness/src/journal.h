// The append-only JSONL journal of finished items (DIR/samples.jsonl).
#pragma once

#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include "rwkv/harness/results.h"

namespace rwkv::harness {

class Journal {
 public:
  ~Journal();
  // Opens `path` for appending, first rewriting it to hold exactly `existing` (this drops a
  // line truncated by an interruption).
  static StatusOr<std::unique_ptr<Journal>> Open(const std::string& path,
                                                 const std::vector<ItemRecord>& existing);
  // Appends one record and flushes it to the operating system. Thread-safe.
  Status Append(const ItemRecord& record);

 private:
  explicit Journal(std::FILE* f) : file_(f) {}
  std::mutex mu_;
  std::FILE* file_;
};

// Writes `records` as JSONL to `path` atomically (temporary file + rename).
Status WriteSamples(const std::string& path, const std::vector<ItemRecord>& records);

}  // namespace rwkv::harness
