#include "model_logits.h"

#include <gtest/gtest.h>

#include "rwkv/state.h"

namespace rwkv::testing {

std::vector<float> LogitsOf(const Model& m, const std::vector<int32_t>& ids) {
  State s = State::Initial(m);
  std::vector<float> logits;
  const Status st = Forward(m, &s, ids, LogitsMode::kAll, &logits, ForwardOptions());
  EXPECT_TRUE(st.ok()) << st.ToString();
  return st.ok() ? logits : std::vector<float>();
}

}  // namespace rwkv::testing
