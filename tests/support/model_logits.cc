#include "model_logits.h"

#include <gtest/gtest.h>

#include "rwkv/state.h"
#include "shared_data.h"

namespace rwkv::testing {

std::vector<float> LogitsOf(const Model& m, const std::vector<int32_t>& ids) {
  State s = State::Initial(m);
  std::vector<float> logits;
  const Status st = Forward(m, &s, ids, LogitsMode::kAll, &logits, ForwardOptions());
  EXPECT_TRUE(st.ok()) << st.ToString();
  return st.ok() ? logits : std::vector<float>();
}

std::shared_ptr<const Model> LoadRandomModel(const RandomModelSpec& spec, const std::string& name) {
  const std::string path = TempDir(name) + "/model.bin";
  const Status written = WriteRandomModel(spec, path);
  EXPECT_TRUE(written.ok()) << written.ToString();
  if (!written.ok()) return nullptr;
  auto m = Model::Load(path);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return m.ok() ? *m : nullptr;
}

}  // namespace rwkv::testing
