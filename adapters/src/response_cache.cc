#include "response_cache.h"

#include <openssl/evp.h>
#include <sqlite3.h>

#include <cstdio>
#include <ctime>

namespace rwkv::adapters {

namespace {

constexpr int kBusyTimeoutMs = 10000;

std::string Sha256Hex(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &len, EVP_sha256(), nullptr);
  std::string hex;
  char buf[3];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", digest[i]);
    hex += buf;
  }
  return hex;
}

Status Exec(sqlite3* db, const std::string& path, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return Status::IOError(path + ": response cache: " + msg);
  }
  return Status::Ok();
}

}  // namespace

StatusOr<std::unique_ptr<ResponseCache>> ResponseCache::Open(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Status::IOError(path + ": cannot open the response cache: " + msg);
  }
  std::unique_ptr<ResponseCache> cache(new ResponseCache(db, path));
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  Exec(db, path, "PRAGMA journal_mode=WAL");  // best effort (some file systems refuse it)
  RETURN_IF_ERROR(Exec(db, path,
                       "CREATE TABLE IF NOT EXISTS responses ("
                       " key TEXT PRIMARY KEY, model TEXT NOT NULL, request TEXT NOT NULL,"
                       " response TEXT NOT NULL, created INTEGER NOT NULL)"));
  return cache;
}

ResponseCache::~ResponseCache() { sqlite3_close(db_); }

std::string ResponseCache::Key(const std::string& identity, const std::string& model,
                               const std::string& request_json) {
  // Lengths first so that no two different triples share a key.
  return Sha256Hex(std::to_string(identity.size()) + ":" + identity + "|" +
                   std::to_string(model.size()) + ":" + model + "|" + request_json);
}

std::optional<std::string> ResponseCache::Get(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT response FROM responses WHERE key = ?1", -1, &st, nullptr) !=
      SQLITE_OK) {
    return std::nullopt;
  }
  sqlite3_bind_text(st, 1, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
  std::optional<std::string> out;
  if (sqlite3_step(st) == SQLITE_ROW) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    out = std::string(text ? text : "", static_cast<size_t>(sqlite3_column_bytes(st, 0)));
  }
  sqlite3_finalize(st);
  return out;
}

Status ResponseCache::Put(const std::string& key, const std::string& model,
                          const std::string& request_json, const std::string& response_json) {
  std::lock_guard<std::mutex> lock(mu_);
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_,
                         "INSERT OR REPLACE INTO responses (key, model, request, response, "
                         "created) VALUES (?1, ?2, ?3, ?4, ?5)",
                         -1, &st, nullptr) != SQLITE_OK) {
    return Status::IOError(path_ + ": response cache: " + sqlite3_errmsg(db_));
  }
  sqlite3_bind_text(st, 1, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 2, model.data(), static_cast<int>(model.size()), SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 3, request_json.data(), static_cast<int>(request_json.size()),
                    SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 4, response_json.data(), static_cast<int>(response_json.size()),
                    SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 5, static_cast<sqlite3_int64>(std::time(nullptr)));
  const int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return Status::IOError(path_ + ": response cache: " + sqlite3_errmsg(db_));
  return Status::Ok();
}

}  // namespace rwkv::adapters
