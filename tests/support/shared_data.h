// Locates the reference data folder (../shared) for tests.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace rwkv::testing {

// $RWKV_EVAL_SHARED, or ../shared relative to the repository root. "" if it does not exist.
std::string SharedDir();

// Path of `relative` inside the shared folder ("" if the folder is absent).
std::string SharedPath(const std::string& relative);

// Reads a raw little-endian float32 file. Empty on failure.
std::vector<float> ReadF32(const std::string& path);

// Reads a whole file as bytes.
std::string ReadFileBytes(const std::string& path);

// A fresh empty temporary directory for one test, removed by the caller if wanted.
std::string TempDir(const std::string& tag);

}  // namespace rwkv::testing

// Skips the current test with a clear message when the reference data is absent.
#define REQUIRE_SHARED()                                                                    \
  do {                                                                                      \
    if (::rwkv::testing::SharedDir().empty()) {                                             \
      GTEST_SKIP() << "reference data not found: set RWKV_EVAL_SHARED or place it at "     \
                      "../shared beside the repository";                                   \
    }                                                                                       \
  } while (0)
