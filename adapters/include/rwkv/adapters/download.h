// Resumable HTTPS download of one large file (a model checkpoint or a tokenizer) with SHA-256
// verification, written to DEST.part and renamed to DEST only when complete and verified.
//
// Thread-safety: DownloadFile may run concurrently for different destinations; two downloads
// to the same destination are refused (the second finds DEST.part locked).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "rwkv/status.h"

namespace rwkv::adapters {

struct DownloadRequest {
  std::string url;  // https://...; plain http only to this machine (127.0.0.0/8, localhost, ::1)
  std::string dest_path;  // the final file; its folder is created if missing
  std::string sha256;     // expected lowercase hex digest; "" = unknown (reported, not checked)
  int64_t expected_size = -1;  // exact byte count when known; -1 = unknown
};

struct DownloadProgress {
  int64_t done = 0;          // bytes of the file present so far (including a resumed part)
  int64_t total = -1;        // -1 while unknown
  int64_t resumed_from = 0;  // bytes that were already there when this transfer started
  double seconds = 0;        // since DownloadFile started
};

struct DownloadOptions {
  // Called from the downloading thread at most every `progress_interval_s` and once at the end.
  std::function<void(const DownloadProgress&)> on_progress;
  double progress_interval_s = 0.2;
  int max_attempts = 5;          // transfers tried before giving up (network errors, 5xx, 429)
  double retry_backoff_s = 1.0;  // wait before attempt k+1: backoff * 2^(k-1), at most 30 s
  long connect_timeout_s = 30;
  long stall_timeout_s = 60;  // abort a transfer that receives nothing for this long
};

struct DownloadResult {
  std::string path;  // == dest_path
  int64_t bytes = 0;
  std::string sha256;            // digest of the final file
  bool verified = false;         // the digest was known and matched
  bool already_present = false;  // dest existed (and matched the digest if known): no transfer
  int64_t resumed_from = 0;      // bytes of an earlier partial download that were kept
  int attempts = 0;              // HTTP transfers made
};

// Downloads request.url to request.dest_path. Resumes from DEST.part (HTTP Range) when one is
// left over from an interrupted run, and retries interrupted transfers, each time continuing
// where it stopped. Errors: InvalidArgument (bad URL, plain http to another machine), NotFound
// (HTTP 404/410), IOError (other HTTP errors, network failures after all attempts, disk
// errors), Corruption (size or SHA-256 mismatch: DEST.part is deleted and DEST not created),
// FailedPrecondition (another download holds DEST.part).
StatusOr<DownloadResult> DownloadFile(const DownloadRequest& request,
                                      const DownloadOptions& options = {});

}  // namespace rwkv::adapters
