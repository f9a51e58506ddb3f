// The shipped model (models/default): small, loadable by name with official RWKV-7 key names,
// within its release gate — and the gate catches a model that regresses.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "rwkv/adapters/default_model.h"
#include "rwkv/model.h"
#include "run_shell.h"
#include "shared_data.h"

namespace {

using rwkv::testing::RunShell;
using rwkv::testing::ShellResult;

const std::string kSource = RWKV_EVAL_SOURCE_DIR;

ShellResult Gate(const std::string& args) {
  return RunShell("RWKV_EVAL_BINARY='" RWKV_EVAL_BINARY "' '" + kSource +
                  "/scripts/default-model-gate.sh' " + args + " 2>&1");
}

TEST(DefaultModel, IsSmallRwkv7WithOfficialNames) {
  const std::string path = rwkv::adapters::DefaultModelPath();
  ASSERT_TRUE(std::filesystem::exists(path)) << path;
  EXPECT_LE(std::filesystem::file_size(path), 8u << 20);
  auto model = rwkv::Model::Load(path);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ((*model)->config().arch, rwkv::Arch::kV7);
  EXPECT_EQ((*model)->config().n_vocab, 256);
  // The safetensors header names tensors the way the official RWKV-7 code does.
  std::ifstream f(path, std::ios::binary);
  uint64_t n = 0;
  f.read(reinterpret_cast<char*>(&n), 8);
  std::string header(n, '\0');
  f.read(header.data(), static_cast<std::streamsize>(n));
  const nlohmann::json j = nlohmann::json::parse(header);
  for (const char* key : {"emb.weight", "blocks.0.ln0.weight", "blocks.0.att.r_k",
                          "blocks.0.att.w1", "blocks.0.ffn.key.weight", "ln_out.weight",
                          "head.weight"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
}

TEST(DefaultModel, ModelCardNamesEveryTargetWithItsMeasuredScore) {
  std::ifstream f(kSource + "/models/default/README.md");
  ASSERT_TRUE(f) << "models/default/README.md (the model card) is missing";
  const std::string card((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  for (const char* s : {"add_2digit", "concat", "passkey", "half-life", "wall time"}) {
    EXPECT_NE(card.find(s), std::string::npos) << s;
  }
}

TEST(DefaultModel, PassesItsReleaseGate) {
  const std::string out = rwkv::testing::TempDir("default-gate");
  ShellResult r = Gate("--out " + out);
  EXPECT_EQ(r.exit_code, 0) << r.out;
}

TEST(DefaultModel, ReleaseGateFailsARegressedModel) {
  REQUIRE_SHARED();
  // The tiny RWKV-7 of the reference data was trained on other text: it cannot do the tasks.
  const std::string tiny = rwkv::testing::SharedPath("models/tiny/tiny-rwkv-7v0-834K-FP32.bin");
  const std::string out = rwkv::testing::TempDir("default-gate-regressed");
  ShellResult r = Gate("--model " + tiny + " --out " + out);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("below the minimum 0.9"), std::string::npos) << r.out;
}

}  // namespace
