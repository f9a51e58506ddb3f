// A deliberately scriptable HTTP server on 127.0.0.1 for testing remote adapters: it can
// answer with any status and headers, answer slowly, cut a body short, or drop the connection.
// Every request is recorded in arrival order; the peak number in flight is tracked.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace rwkv::testing {

struct FakeRequest {
  std::string request_line;  // "POST /v1/completions HTTP/1.1"
  std::string headers;       // raw header lines
  std::string body;
  std::chrono::steady_clock::time_point arrived;
};

struct FakeReply {
  enum class Kind { kRespond, kDrop, kTruncate } kind = Kind::kRespond;
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  int delay_ms = 0;  // before answering
};

class FakeHttpServer {
 public:
  // `handler` gets the 0-based index of the request and the request.
  using Handler = std::function<FakeReply(int index, const FakeRequest& request)>;
  explicit FakeHttpServer(Handler handler);
  ~FakeHttpServer();

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<FakeRequest> requests();
  int max_in_flight() const { return max_in_flight_; }

 private:
  void AcceptLoop();
  void Serve(int fd);

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::thread> workers_;
  std::vector<FakeRequest> requests_;
  std::atomic<int> in_flight_{0};
  std::atomic<int> max_in_flight_{0};
};

// An OpenAI /v1/completions response whose first choice has `text`.
std::string CompletionBody(const std::string& text);

}  // namespace rwkv::testing
