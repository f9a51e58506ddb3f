// Writing small files for harness tests.
#pragma once

#include <gtest/gtest.h>
#include <fstream>
#include <string>

namespace rwkv::testing {

// Writes `content` to dir/name and returns the path.
inline std::string WriteTestFile(const std::string& dir, const std::string& name,
                                 const std::string& content) {
  const std::string path = dir + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  return path;
}

}  // namespace rwkv::testing

// Expects `text` to contain `part`, printing both otherwise.
#define EXPECT_HAS(text, part)                               \
  EXPECT_NE(std::string(text).find(part), std::string::npos) \
      << "\"" << (text) << "\"\n  does not contain \"" << (part) << "\""
