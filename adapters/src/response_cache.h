// A response cache on disk for remote models (internal to adapters): SQLite, one row per
// request, keyed by SHA-256 of adapter kind + endpoint + model + the full request JSON.
//
// Only successful responses are stored (the caller decides). Nothing secret is stored: the
// request body never contains the API key (it travels in a header). Several processes may share
// a file (WAL mode, busy timeout). Thread-safety: Get/Put may be called from many threads.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "rwkv/status.h"

struct sqlite3;

namespace rwkv::adapters {

class ResponseCache {
 public:
  // Opens or creates the database at `path`. Errors: the file cannot be opened or is not a
  // cache database.
  static StatusOr<std::unique_ptr<ResponseCache>> Open(const std::string& path);
  ~ResponseCache();

  // The key of one request. `identity` names adapter and endpoint ("openai|URL|/v1/completions").
  static std::string Key(const std::string& identity, const std::string& model,
                         const std::string& request_json);

  // The stored response body, if any. A read error counts as a miss.
  std::optional<std::string> Get(const std::string& key);
  // Stores a response. Errors: the database rejected the write.
  Status Put(const std::string& key, const std::string& model, const std::string& request_json,
             const std::string& response_json);

  const std::string& path() const { return path_; }

 private:
  ResponseCache(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  std::mutex mu_;
  sqlite3* db_;
  std::string path_;
};

}  // namespace rwkv::adapters
