#include "http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace rwkv::adapters {

namespace {

constexpr size_t kMaxIdleHandles = 64;
constexpr long kMaxConnectTimeoutMs = 10000;

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t AppendBody(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

// Keeps the value of a Retry-After header line.
size_t ReadHeader(char* data, size_t size, size_t n, void* user) {
  const std::string line(data, size * n);
  const std::string name = "retry-after:";
  if (line.size() > name.size()) {
    std::string head = line.substr(0, name.size());
    std::transform(head.begin(), head.end(), head.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (head == name) {
      std::string value = line.substr(name.size());
      const auto first = value.find_first_not_of(" \t");
      const auto last = value.find_last_not_of(" \t\r\n");
      *static_cast<std::string*>(user) =
          first == std::string::npos ? "" : value.substr(first, last - first + 1);
    }
  }
  return size * n;
}

// The environment's no_proxy list plus the loopback names (CURLOPT_NOPROXY replaces it).
const std::string& NoProxyList() {
  static const std::string list = [] {
    std::string l = "localhost,127.0.0.1,::1";
    for (const char* name : {"no_proxy", "NO_PROXY"}) {
      const char* v = std::getenv(name);
      if (v != nullptr && *v != '\0') return std::string(v) + "," + l;
    }
    return l;
  }();
  return list;
}

}  // namespace

HttpClient::HttpClient() { GlobalInitOnce(); }

HttpClient::~HttpClient() {
  for (void* h : idle_) curl_easy_cleanup(static_cast<CURL*>(h));
}

void* HttpClient::TakeHandle() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      void* h = idle_.back();
      idle_.pop_back();
      return h;
    }
  }
  return curl_easy_init();
}

void HttpClient::ReturnHandle(void* handle) {
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_.size() < kMaxIdleHandles) {
    idle_.push_back(handle);
  } else {
    curl_easy_cleanup(static_cast<CURL*>(handle));
  }
}

HttpResponse HttpClient::PostJson(const std::string& url, const std::string& body,
                                  const std::string& bearer_token, long timeout_ms) {
  HttpResponse out;
  CURL* curl = static_cast<CURL*>(TakeHandle());
  if (curl == nullptr) {
    out.transport_error = "cannot create a connection handle";
    return out;
  }
  curl_easy_reset(curl);
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Accept: application/json");
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
  std::string auth;
  if (!bearer_token.empty()) {
    auth = "Authorization: Bearer " + bearer_token;
    headers = curl_slist_append(headers, auth.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, ReadHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &out.retry_after);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeout_ms, kMaxConnectTimeoutMs));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM for timeouts
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);  // never forward the key elsewhere
  // Proxies from the environment apply, except to this machine.
  curl_easy_setopt(curl, CURLOPT_NOPROXY, NoProxyList().c_str());
  const CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  // Scrub the header copy that held the key.
  std::fill(auth.begin(), auth.end(), '\0');
  if (rc == CURLE_OK) {
    out.transport_ok = true;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out.status);
  } else {
    out.timed_out = rc == CURLE_OPERATION_TIMEDOUT;
    out.transport_error = curl_easy_strerror(rc);
    out.body.clear();
  }
  ReturnHandle(curl);
  return out;
}

}  // namespace rwkv::adapters
