#include "reference_inputs.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "shared_data.h"

namespace rwkv::testing {

std::vector<int32_t> PromptBytes() {
  const std::string text = ReadFileBytes(SharedPath("reference/rwkv.cpp/prompt-seed.txt"));
  std::vector<int32_t> ids;
  for (unsigned char ch : text) ids.push_back(ch);
  return ids;
}

std::vector<int32_t> MidIds() {
  const std::string text = ReadFileBytes(SharedPath("reference/mid/ids-visible.json"));
  std::vector<int32_t> ids;
  long v = 0;
  bool in = false;
  for (char ch : text) {
    if (ch >= '0' && ch <= '9') {
      v = v * 10 + (ch - '0');
      in = true;
    } else if (in) {
      ids.push_back(static_cast<int32_t>(v));
      v = 0;
      in = false;
    }
  }
  return ids;
}

float MaxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  float m = 0.0f;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    const float d = std::fabs(a[i] - b[i]);
    if (!(d <= m)) m = std::isnan(d) ? INFINITY : d;
  }
  return m;
}

}  // namespace rwkv::testing
