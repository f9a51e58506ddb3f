// One HTTP POST of a JSON body over libcurl, with a total timeout (internal to adapters).
//
// No retries here (see request_retry.h). Thread-safety: Post may be called from many threads at
// once; each call uses its own connection handle taken from a small shared pool.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace rwkv::adapters {

struct HttpResponse {
  bool transport_ok = false;    // false: no complete HTTP response (refused, dropped, timed out)
  std::string transport_error;  // curl's description when !transport_ok
  bool timed_out = false;
  long status = 0;  // HTTP status when transport_ok
  std::string body;
  std::string retry_after;  // the Retry-After header's value, "" if absent
};

class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // POSTs `body` (application/json) to `url`. `bearer_token` ("" = none) goes into the
  // Authorization header only. `timeout_ms` bounds the whole exchange.
  HttpResponse PostJson(const std::string& url, const std::string& body,
                        const std::string& bearer_token, long timeout_ms);

 private:
  void* TakeHandle();
  void ReturnHandle(void* handle);

  std::mutex mu_;
  std::vector<void*> idle_;  // CURL* handles kept for connection reuse
};

}  // namespace rwkv::adapters
