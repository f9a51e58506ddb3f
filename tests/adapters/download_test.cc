// Downloads against a local HTTP server on 127.0.0.1 (never the internet): a normal download,
// a transfer cut in the middle that resumes, a leftover partial file that resumes, a corrupted
// body that fails verification and leaves nothing behind, a 404, retries after a 503.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <thread>

#include "run_shell.h"
#include "rwkv/adapters/download.h"
#include "shared_data.h"

namespace rwkv::adapters {
namespace {

namespace fs = std::filesystem;

// A tiny stand-in for a model file: a magic number and 200 kB of seeded pseudo-random bytes.
std::string MakeModelBytes() {
  std::string bytes = "fmgg";
  std::mt19937 rng(42);
  for (int i = 0; i < 200 * 1024; ++i) bytes.push_back(static_cast<char>(rng() & 0xff));
  return bytes;
}

// SHA-256 by coreutils' sha256sum, independent of the code under test.
std::string Sha256Sum(const std::string& bytes) {
  const std::string path = rwkv::testing::TempDir("sha") + "/data";
  std::ofstream(path, std::ios::binary) << bytes;
  const rwkv::testing::ShellResult r = rwkv::testing::RunShell("sha256sum '" + path + "'");
  return r.exit_code == 0 && r.out.size() >= 64 ? r.out.substr(0, 64) : "";
}

class LocalServer {
 public:
  explicit LocalServer(const std::string& content) : content_(content) {
    corrupt_ = content;
    corrupt_[corrupt_.size() / 2] ^= 0x01;
    server_.Get("/model.bin", [this](const httplib::Request& req, httplib::Response& res) {
      Record(req);
      res.set_content(content_, "application/octet-stream");  // httplib answers Range with 206
    });
    server_.Get("/cut.bin", [this](const httplib::Request& req, httplib::Response& res) {
      Record(req);
      if (req.has_header("Range")) {
        res.set_content(content_, "application/octet-stream");
        return;
      }
      // Announce the whole length, send half, then drop the connection.
      res.set_content_provider(content_.size(), "application/octet-stream",
                               [this](size_t offset, size_t, httplib::DataSink& sink) {
                                 if (offset == 0) sink.write(content_.data(), content_.size() / 2);
                                 return false;
                               });
    });
    server_.Get("/corrupt.bin", [this](const httplib::Request& req, httplib::Response& res) {
      Record(req);
      res.set_content(corrupt_, "application/octet-stream");
    });
    server_.Get("/norange.bin", [this](const httplib::Request& req, httplib::Response& res) {
      Record(req);
      // Ignores any Range header: always the whole file, sent chunked without a length.
      res.status = 200;
      res.set_chunked_content_provider("application/octet-stream",
                                       [this](size_t offset, httplib::DataSink& sink) {
                                         if (offset == 0) {
                                           sink.write(content_.data(), content_.size());
                                         }
                                         sink.done();
                                         return true;
                                       });
    });
    server_.Get("/badrange.bin", [this](const httplib::Request& req, httplib::Response& res) {
      Record(req);
      // Answers any request with the whole file; to a Range request it claims it is the range.
      if (req.has_header("Range")) {
        res.status = 206;
        res.set_header("Content-Range", "bytes 0-" + std::to_string(content_.size() - 1) + "/" +
                                            std::to_string(content_.size()));
      }
      res.set_chunked_content_provider("application/octet-stream",
                                       [this](size_t offset, httplib::DataSink& sink) {
                                         if (offset == 0) {
                                           sink.write(content_.data(), content_.size());
                                         }
                                         sink.done();
                                         return true;
                                       });
    });
    server_.Get("/flaky.bin", [this](const httplib::Request& req, httplib::Response& res) {
      if (Record(req) == 1) {
        res.status = 503;
        res.set_content("busy", "text/plain");
        return;
      }
      res.set_content(content_, "application/octet-stream");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  ~LocalServer() {
    server_.stop();
    thread_.join();
  }

  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return static_cast<int>(ranges_.size());
  }
  std::vector<std::string> ranges() {
    std::lock_guard<std::mutex> lock(mu_);
    return ranges_;
  }

 private:
  // Records the request's Range header ("" if none); returns how many requests came so far.
  int Record(const httplib::Request& req) {
    std::lock_guard<std::mutex> lock(mu_);
    ranges_.push_back(req.get_header_value("Range"));
    return static_cast<int>(ranges_.size());
  }

  std::string content_, corrupt_;
  httplib::Server server_;
  int port_ = -1;
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> ranges_;
};

class DownloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(sha_.empty()) << "sha256sum is needed for these tests";
    dir_ = rwkv::testing::TempDir("download");
    options_.retry_backoff_s = 0;
    options_.connect_timeout_s = 5;
    options_.stall_timeout_s = 5;
  }
  std::string Dest() const { return dir_ + "/models/tiny.bin"; }

  const std::string content_ = MakeModelBytes();
  const std::string sha_ = Sha256Sum(content_);
  LocalServer server_{content_};
  std::string dir_;
  DownloadOptions options_;
};

TEST_F(DownloadTest, DownloadsVerifiesAndReportsProgress) {
  std::vector<DownloadProgress> seen;
  options_.on_progress = [&](const DownloadProgress& p) { seen.push_back(p); };
  auto r = DownloadFile(
      {server_.Url("/model.bin"), Dest(), sha_, static_cast<int64_t>(content_.size())}, options_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(rwkv::testing::ReadFileBytes(Dest()), content_);
  EXPECT_TRUE(r->verified);
  EXPECT_EQ(r->sha256, sha_);
  EXPECT_EQ(r->bytes, static_cast<int64_t>(content_.size()));
  EXPECT_EQ(r->attempts, 1);
  EXPECT_EQ(r->resumed_from, 0);
  EXPECT_FALSE(fs::exists(Dest() + ".part"));
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().done, static_cast<int64_t>(content_.size()));
  EXPECT_EQ(seen.back().total, static_cast<int64_t>(content_.size()));

  // A second pull finds the verified file and makes no request.
  const int before = server_.requests();
  auto again = DownloadFile({server_.Url("/model.bin"), Dest(), sha_, -1}, options_);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->already_present);
  EXPECT_TRUE(again->verified);
  EXPECT_EQ(server_.requests(), before);
}

TEST_F(DownloadTest, TransferCutInTheMiddleResumesWithRange) {
  auto r = DownloadFile({server_.Url("/cut.bin"), Dest(), sha_, -1}, options_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(rwkv::testing::ReadFileBytes(Dest()), content_);
  EXPECT_TRUE(r->verified);
  EXPECT_EQ(r->attempts, 2);
  const std::vector<std::string> ranges = server_.ranges();
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[0], "");
  // The second request asks for the rest, from where the first one stopped.
  ASSERT_EQ(ranges[1].rfind("bytes=", 0), 0u) << ranges[1];
  const long from = std::stol(ranges[1].substr(6));
  EXPECT_GT(from, 0);
  EXPECT_LE(from, static_cast<long>(content_.size() / 2));
}

TEST_F(DownloadTest, LeftoverPartialFileIsResumed) {
  fs::create_directories(dir_ + "/models");
  std::ofstream(Dest() + ".part", std::ios::binary) << content_.substr(0, 1000);
  auto r = DownloadFile({server_.Url("/model.bin"), Dest(), sha_, -1}, options_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->resumed_from, 1000);
  EXPECT_EQ(server_.ranges(), std::vector<std::string>{"bytes=1000-"});
  EXPECT_EQ(rwkv::testing::ReadFileBytes(Dest()), content_);
  EXPECT_FALSE(fs::exists(Dest() + ".part"));
}

TEST_F(DownloadTest, ServerIgnoringRangeRestartsTheFile) {
  fs::create_directories(dir_ + "/models");
  std::ofstream(Dest() + ".part", std::ios::binary) << "stale bytes of something else";
  auto r = DownloadFile({server_.Url("/norange.bin"), Dest(), sha_, -1}, options_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(server_.ranges().at(0).rfind("bytes=", 0), 0u);
  EXPECT_EQ(r->resumed_from, 0);
  EXPECT_EQ(rwkv::testing::ReadFileBytes(Dest()), content_);
}

TEST_F(DownloadTest, PartialAnswerFromTheWrongOffsetStartsOver) {
  fs::create_directories(dir_ + "/models");
  std::ofstream(Dest() + ".part", std::ios::binary) << content_.substr(0, 1000);
  auto r = DownloadFile({server_.Url("/badrange.bin"), Dest(), sha_, -1}, options_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(server_.ranges(), (std::vector<std::string>{"bytes=1000-", ""}));
  EXPECT_EQ(r->resumed_from, 0);
  EXPECT_EQ(rwkv::testing::ReadFileBytes(Dest()), content_);
}

TEST_F(DownloadTest, CorruptedBodyFailsVerificationAndLeavesNoFile) {
  auto r = DownloadFile({server_.Url("/corrupt.bin"), Dest(), sha_, -1}, options_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  EXPECT_NE(r.status().message().find("SHA-256 mismatch"), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find(sha_), std::string::npos);
  EXPECT_FALSE(fs::exists(Dest()));
  EXPECT_FALSE(fs::exists(Dest() + ".part"));
}

TEST_F(DownloadTest, WrongSizeFailsAndLeavesNoFile) {
  auto r = DownloadFile({server_.Url("/model.bin"), Dest(), "", 12345}, options_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  EXPECT_NE(r.status().message().find("12345"), std::string::npos) << r.status().message();
  EXPECT_FALSE(fs::exists(Dest()));
  EXPECT_FALSE(fs::exists(Dest() + ".part"));
}

TEST_F(DownloadTest, MissingFileIsAClearNotFound) {
  auto r = DownloadFile({server_.Url("/missing.bin"), Dest(), "", -1}, options_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("HTTP 404"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("/missing.bin"), std::string::npos);
  EXPECT_EQ(server_.requests(), 0);  // unrouted paths are answered by the server itself
  EXPECT_FALSE(fs::exists(Dest()));
  EXPECT_FALSE(fs::exists(Dest() + ".part"));
}

TEST_F(DownloadTest, ServerErrorIsRetried) {
  auto r = DownloadFile({server_.Url("/flaky.bin"), Dest(), sha_, -1}, options_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->attempts, 2);
  EXPECT_EQ(rwkv::testing::ReadFileBytes(Dest()), content_);
}

TEST_F(DownloadTest, UnknownDigestIsReportedNotChecked) {
  auto r = DownloadFile({server_.Url("/model.bin"), Dest(), "", -1}, options_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->verified);
  EXPECT_EQ(r->sha256, sha_);
}

TEST(DownloadUrl, RefusesPlainHttpToOtherMachinesAndOtherSchemes) {
  const std::string dest = rwkv::testing::TempDir("url") + "/x.bin";
  for (const char* url : {"http://example.invalid/model.pth", "ftp://127.0.0.1/model.pth",
                          "file:///etc/passwd", "http://127.0.0.1.example.invalid/x",
                          "http://127.0.0.1@example.invalid/x", "http://127.0.0/x"}) {
    auto r = DownloadFile({url, dest, "", -1});
    ASSERT_FALSE(r.ok()) << url;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << url;
  }
  EXPECT_FALSE(fs::exists(dest + ".part"));
}

}  // namespace
}  // namespace rwkv::adapters
