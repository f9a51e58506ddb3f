#include "rwkv/adapters/download.h"

#include <curl/curl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>

#include "rwkv/adapters/file_digest.h"

namespace rwkv::adapters {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Lower-cases ASCII letters.
std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// True for a dotted-quad address in 127.0.0.0/8.
bool IsLoopbackIpv4(const std::string& host) {
  int parts = 0;
  size_t i = 0;
  while (i <= host.size()) {
    const size_t end = std::min(host.find('.', i), host.size());
    if (end == i || end - i > 3) return false;
    for (size_t k = i; k < end; ++k) {
      if (!std::isdigit(static_cast<unsigned char>(host[k]))) return false;
    }
    if (std::stoi(host.substr(i, end - i)) > 255) return false;
    ++parts;
    i = end + 1;
  }
  return parts == 4 && host.rfind("127.", 0) == 0;
}

// Checks the scheme: https anywhere, http only to a loopback host.
Status CheckUrl(const std::string& url) {
  const std::string lower = Lower(url);
  if (lower.rfind("https://", 0) == 0) return Status::Ok();
  if (lower.rfind("http://", 0) != 0) {
    return Status::InvalidArgument(url + ": only https:// URLs can be downloaded");
  }
  std::string host = lower.substr(7, lower.find_first_of("/?#", 7) - 7);
  if (const size_t at = host.rfind('@'); at != std::string::npos) host = host.substr(at + 1);
  if (host.rfind("[::1]", 0) == 0) return Status::Ok();
  host = host.substr(0, host.find(':'));
  if (host == "localhost" || IsLoopbackIpv4(host)) return Status::Ok();
  return Status::InvalidArgument(url + ": plain http is only allowed to this machine; use https");
}

// State shared with libcurl's callbacks during one transfer.
struct Transfer {
  CURL* curl = nullptr;
  FILE* file = nullptr;
  int64_t offset = 0;   // bytes in the file when the request was made
  int64_t written = 0;  // bytes written by this transfer
  bool checked_status = false;
  long status = 0;
  std::string error_body;  // the start of an error response's body
  bool write_failed = false;
  const DownloadOptions* options = nullptr;
  DownloadProgress* progress = nullptr;
  Clock::time_point start, last_report;
  std::string content_range;    // the final response's Content-Range value, "" if none
  bool range_mismatch = false;  // a 206 answer that does not start where the file ends
};

// Keeps the Content-Range header of the last response (redirects bring several responses).
size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::string line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) t->content_range.clear();
  const std::string name = "content-range:";
  if (line.size() > name.size() && Lower(line.substr(0, name.size())) == name) {
    t->content_range = line.substr(name.size());
  }
  return size * n;
}

// The first byte position of a Content-Range value " bytes START-END/TOTAL", or -1.
int64_t RangeStart(const std::string& value) {
  const size_t bytes = value.find("bytes");
  if (bytes == std::string::npos) return -1;
  size_t i = bytes + 5;
  while (i < value.size() && value[i] == ' ') ++i;
  if (i >= value.size() || !std::isdigit(static_cast<unsigned char>(value[i]))) return -1;
  return std::strtoll(value.c_str() + i, nullptr, 10);
}

void Report(Transfer* t, bool force) {
  if (!t->options->on_progress) return;
  const auto now = Clock::now();
  if (!force && std::chrono::duration<double>(now - t->last_report).count() <
                    t->options->progress_interval_s) {
    return;
  }
  t->last_report = now;
  t->progress->seconds = std::chrono::duration<double>(now - t->start).count();
  t->options->on_progress(*t->progress);
}

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t bytes = size * n;
  if (!t->checked_status) {
    t->checked_status = true;
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &t->status);
    if (t->status == 200 && t->offset > 0) {
      // The server ignored the Range request: start the file over.
      if (std::fflush(t->file) != 0 || ftruncate(fileno(t->file), 0) != 0 ||
          std::fseek(t->file, 0, SEEK_SET) != 0) {
        t->write_failed = true;
        return 0;
      }
      t->offset = 0;
      t->progress->resumed_from = 0;
    }
    if (t->status == 206 && RangeStart(t->content_range) != t->offset) {
      t->range_mismatch = true;
      return 0;
    }
    curl_off_t length = -1;
    curl_easy_getinfo(t->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
    if (length >= 0 && (t->status == 200 || t->status == 206)) {
      t->progress->total = t->offset + length;
    }
  }
  if (t->status != 200 && t->status != 206) {
    if (t->error_body.size() < 512) t->error_body.append(data, std::min<size_t>(bytes, 512));
    return bytes;  // keep reading the (short) error body, write nothing
  }
  if (std::fwrite(data, 1, bytes, t->file) != bytes) {
    t->write_failed = true;
    return 0;
  }
  t->written += static_cast<int64_t>(bytes);
  t->progress->done = t->offset + t->written;
  Report(t, false);
  return bytes;
}

// What one HTTP transfer ended with.
struct Outcome {
  enum Kind { kComplete, kRetry, kFail } kind;
  Status status;  // the failure when kind != kComplete
};

int64_t FileSize(const std::string& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  return ec ? 0 : static_cast<int64_t>(size);
}

Outcome RunTransfer(const DownloadRequest& req, const DownloadOptions& options, FILE* file,
                    const std::string& part_path, DownloadProgress* progress,
                    Clock::time_point start) {
  Transfer t;
  t.curl = curl_easy_init();
  if (!t.curl) return {Outcome::kFail, Status::Internal("libcurl initialisation failed")};
  t.file = file;
  t.offset = FileSize(part_path);
  t.options = &options;
  t.progress = progress;
  t.start = start;
  t.last_report = Clock::now();
  progress->done = t.offset;
  if (std::fseek(file, 0, SEEK_END) != 0) {
    curl_easy_cleanup(t.curl);
    return {Outcome::kFail, Status::IOError(part_path + ": cannot seek")};
  }
  char curl_error[CURL_ERROR_SIZE] = {0};
  const std::string range = std::to_string(t.offset) + "-";
  curl_easy_setopt(t.curl, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(t.curl, CURLOPT_PROTOCOLS_STR, "http,https");
  // Redirects (Hugging Face sends downloads to its CDN) must stay on https.
  curl_easy_setopt(t.curl, CURLOPT_REDIR_PROTOCOLS_STR, "https");
  curl_easy_setopt(t.curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(t.curl, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(t.curl, CURLOPT_USERAGENT, "rwkv-eval/" RWKV_EVAL_VERSION);
  curl_easy_setopt(t.curl, CURLOPT_CONNECTTIMEOUT, options.connect_timeout_s);
  curl_easy_setopt(t.curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(t.curl, CURLOPT_LOW_SPEED_TIME, options.stall_timeout_s);
  curl_easy_setopt(t.curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(t.curl, CURLOPT_ERRORBUFFER, curl_error);
  curl_easy_setopt(t.curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(t.curl, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(t.curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(t.curl, CURLOPT_HEADERDATA, &t);
  if (t.offset > 0) curl_easy_setopt(t.curl, CURLOPT_RANGE, range.c_str());
  const CURLcode rc = curl_easy_perform(t.curl);
  if (!t.checked_status) curl_easy_getinfo(t.curl, CURLINFO_RESPONSE_CODE, &t.status);
  curl_easy_cleanup(t.curl);
  if (std::fflush(file) != 0 || t.write_failed) {
    return {Outcome::kFail, Status::IOError(part_path + ": write failed (disk full?)")};
  }
  Report(&t, true);
  const std::string what = req.url + ": ";
  if (t.range_mismatch) {  // the server sent another part than asked for: start over
    if (ftruncate(fileno(file), 0) != 0) {
      return {Outcome::kFail, Status::IOError(part_path + ": cannot truncate")};
    }
    progress->resumed_from = 0;
    return {Outcome::kRetry,
            Status::IOError(what + "the server answered the range request " +
                            std::to_string(t.offset) + "- with" + t.content_range)};
  }
  if (t.status == 416 && t.offset > 0) {
    // Nothing left to send: the part is complete if it has the expected size; otherwise it is
    // longer than the file now is, so start over.
    if (req.expected_size < 0 || t.offset == req.expected_size) return {Outcome::kComplete, {}};
    if (ftruncate(fileno(file), 0) != 0) {
      return {Outcome::kFail, Status::IOError(part_path + ": cannot truncate")};
    }
    return {Outcome::kRetry, Status::IOError(what + "HTTP 416 for the partial download")};
  }
  if (t.status >= 400 || (t.status != 0 && t.status != 200 && t.status != 206)) {
    std::string message = what + "HTTP " + std::to_string(t.status);
    if (!t.error_body.empty() && t.error_body.size() < 200) message += ": " + t.error_body;
    if (t.status == 404 || t.status == 410) {
      return {Outcome::kFail, Status::NotFound(message + " (no such file on the server)")};
    }
    const bool transient = t.status >= 500 || t.status == 429 || t.status == 408;
    return {transient ? Outcome::kRetry : Outcome::kFail, Status::IOError(message)};
  }
  if (rc != CURLE_OK) {
    const std::string detail = curl_error[0] ? curl_error : curl_easy_strerror(rc);
    const bool permanent = rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_URL_MALFORMAT ||
                           rc == CURLE_TOO_MANY_REDIRECTS || rc == CURLE_PEER_FAILED_VERIFICATION;
    return {permanent ? Outcome::kFail : Outcome::kRetry,
            Status::IOError(what + detail + " after " + std::to_string(t.offset + t.written) +
                            " bytes")};
  }
  return {Outcome::kComplete, {}};
}

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Closes the file and removes it.
void Discard(FILE* file, const std::string& path) {
  std::fclose(file);
  std::error_code ec;
  fs::remove(path, ec);
}

}  // namespace

StatusOr<DownloadResult> DownloadFile(const DownloadRequest& request,
                                      const DownloadOptions& options) {
  RETURN_IF_ERROR(CheckUrl(request.url));
  if (request.dest_path.empty()) return Status::InvalidArgument("no destination path given");
  const std::string expected_sha = Lower(request.sha256);
  DownloadResult result;
  result.path = request.dest_path;
  std::error_code ec;
  if (fs::is_regular_file(request.dest_path, ec)) {
    ASSIGN_OR_RETURN(result.sha256, Sha256File(request.dest_path));
    result.bytes = FileSize(request.dest_path);
    if (expected_sha.empty() || result.sha256 == expected_sha) {
      result.verified = !expected_sha.empty();
      result.already_present = true;
      return result;
    }
    // A different file is in the way: download anew and replace it only once verified.
  }
  const fs::path dest(request.dest_path);
  if (dest.has_parent_path()) {
    fs::create_directories(dest.parent_path(), ec);
    if (ec) {
      return Status::IOError(dest.parent_path().string() + ": cannot create: " + ec.message());
    }
  }
  const std::string part_path = request.dest_path + ".part";
  FILE* file = std::fopen(part_path.c_str(), "ab+");
  if (!file) return Status::IOError(part_path + ": cannot open for writing");
  if (flock(fileno(file), LOCK_EX | LOCK_NB) != 0) {
    std::fclose(file);
    return Status::FailedPrecondition(part_path + ": another download is writing this file");
  }
  InitCurlOnce();
  const auto start = Clock::now();
  result.resumed_from = FileSize(part_path);
  DownloadProgress progress;
  progress.resumed_from = result.resumed_from;
  progress.total = request.expected_size;
  Status last_error;
  bool complete = false;
  for (int attempt = 1; attempt <= std::max(1, options.max_attempts) && !complete; ++attempt) {
    if (attempt > 1) {
      const double wait = std::min(30.0, options.retry_backoff_s * (1 << std::min(attempt - 2, 5)));
      std::this_thread::sleep_for(std::chrono::duration<double>(wait));
    }
    result.attempts = attempt;
    Outcome outcome = RunTransfer(request, options, file, part_path, &progress, start);
    if (outcome.kind == Outcome::kComplete) {
      complete = true;
    } else if (outcome.kind == Outcome::kFail) {
      // Keep a non-empty part: a later run may resume it.
      if (FileSize(part_path) == 0) {
        Discard(file, part_path);
      } else {
        std::fclose(file);
      }
      return outcome.status;
    } else {
      last_error = outcome.status;
    }
  }
  if (!complete) {
    std::fclose(file);
    return Status::IOError(last_error.message() + " (gave up after " +
                           std::to_string(result.attempts) +
                           " attempts; run again to resume from " + part_path + ")");
  }
  if (progress.resumed_from == 0) result.resumed_from = 0;  // the server ignored the range
  result.bytes = FileSize(part_path);
  if (request.expected_size >= 0 && result.bytes != request.expected_size) {
    Discard(file, part_path);
    return Status::Corruption(request.url + ": received " + std::to_string(result.bytes) +
                              " bytes, expected " + std::to_string(request.expected_size) +
                              "; the download was removed");
  }
  auto digest = Sha256File(part_path);
  if (!digest.ok()) {
    std::fclose(file);
    return digest.status();
  }
  result.sha256 = *digest;
  if (!expected_sha.empty() && result.sha256 != expected_sha) {
    Discard(file, part_path);
    return Status::Corruption(request.url + ": SHA-256 mismatch: expected " + expected_sha +
                              ", got " + result.sha256 + "; the download was removed");
  }
  result.verified = !expected_sha.empty();
  std::fclose(file);
  fs::rename(part_path, request.dest_path, ec);
  if (ec) {
    return Status::IOError(part_path + ": cannot rename to " + request.dest_path + ": " +
                           ec.message());
  }
  return result;
}

}  // namespace rwkv::adapters
