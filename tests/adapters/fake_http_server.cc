#include "fake_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

namespace rwkv::testing {

namespace {

const char* Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

void WriteAll(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    const ssize_t n = ::send(fd, s.data() + done, s.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

}  // namespace

FakeHttpServer::FakeHttpServer(Handler handler) : handler_(std::move(handler)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 128) != 0) {
    std::abort();
  }
  socklen_t len = sizeof addr;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

FakeHttpServer::~FakeHttpServer() {
  stop_ = true;
  acceptor_.join();
  ::close(listen_fd_);
  std::lock_guard<std::mutex> lock(mu_);
  for (std::thread& t : workers_) t.join();
}

std::vector<FakeRequest> FakeHttpServer::requests() {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

void FakeHttpServer::AcceptLoop() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    const int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    std::lock_guard<std::mutex> lock(mu_);
    workers_.emplace_back([this, fd] { Serve(fd); });
  }
}

void FakeHttpServer::Serve(int fd) {
  std::string data;
  char buf[4096];
  size_t header_end = std::string::npos;
  size_t need = 0;
  while (true) {
    if (header_end == std::string::npos) {
      header_end = data.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        size_t content_length = 0;
        std::string lower = data.substr(0, header_end);
        for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        const size_t cl = lower.find("content-length:");
        if (cl != std::string::npos)
          content_length = std::strtoul(lower.c_str() + cl + 15, nullptr, 10);
        need = header_end + 4 + content_length;
      }
    }
    if (header_end != std::string::npos && data.size() >= need) break;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      ::close(fd);
      return;
    }
    data.append(buf, static_cast<size_t>(n));
  }
  FakeRequest req;
  const size_t line_end = data.find("\r\n");
  req.request_line = data.substr(0, line_end);
  req.headers = data.substr(line_end + 2, header_end - line_end - 2);
  req.body = data.substr(header_end + 4, need - header_end - 4);
  req.arrived = std::chrono::steady_clock::now();
  int index;
  {
    std::lock_guard<std::mutex> lock(mu_);
    index = static_cast<int>(requests_.size());
    requests_.push_back(req);
  }
  const int now = ++in_flight_;
  int peak = max_in_flight_;
  while (now > peak && !max_in_flight_.compare_exchange_weak(peak, now)) {
  }
  const FakeReply reply = handler_(index, req);
  if (reply.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(reply.delay_ms));
  --in_flight_;
  if (reply.kind != FakeReply::Kind::kDrop) {
    std::string head = "HTTP/1.1 " + std::to_string(reply.status) + " " + Reason(reply.status) +
                       "\r\nContent-Type: application/json\r\nConnection: close\r\n";
    for (const auto& [k, v] : reply.headers) head += k + ": " + v + "\r\n";
    const size_t declared =
        reply.body.size() + (reply.kind == FakeReply::Kind::kTruncate ? 100 : 0);
    head += "Content-Length: " + std::to_string(declared) + "\r\n\r\n";
    WriteAll(fd, head + reply.body);
  }
  ::shutdown(fd, SHUT_RDWR);
  ::close(fd);
}

std::string CompletionBody(const std::string& text) {
  return nlohmann::json{
      {"id", "cmpl-x"},
      {"object", "text_completion"},
      {"choices", {{{"index", 0}, {"text", text}, {"finish_reason", "stop"}}}},
      {"usage", {{"prompt_tokens", 3}, {"completion_tokens", 2}, {"total_tokens", 5}}}}
      .dump();
}

}  // namespace rwkv::testing
