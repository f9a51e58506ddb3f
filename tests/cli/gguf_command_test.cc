// `rwkv-eval convert ... --format gguf` and `rwkv-eval inspect` on GGUF files, run as a user
// runs them; the converted files are checked against the official logits.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "reference_inputs.h"
#include "run_shell.h"
#include "rwkv/forward.h"
#include "rwkv/gguf_file.h"
#include "rwkv/model.h"
#include "shared_data.h"

namespace rwkv {
namespace {

using testing::SharedPath;
using testing::ShellResult;

ShellResult RunCli(const std::string& args) {
  return testing::RunShell("'" RWKV_EVAL_BINARY "' " + args + " 2>&1");
}

std::vector<float> PromptLogits(const std::string& model_path) {
  auto m = Model::Load(model_path);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  if (!m.ok()) return {};
  State s = State::Initial(**m);
  std::vector<float> logits;
  Status st = Forward(**m, &s, testing::PromptBytes(), LogitsMode::kAll, &logits, ForwardOptions());
  EXPECT_TRUE(st.ok()) << st.ToString();
  return logits;
}

float MaxDiffFromOfficial(const std::string& model_path, const std::string& reference) {
  return testing::MaxAbsDiff(PromptLogits(model_path), testing::ReadF32(SharedPath(reference)));
}

TEST(GgufConvertCommand, PthToGgufToSafetensorsThroughTheCli) {
  REQUIRE_SHARED();
  const std::string dir = testing::TempDir("cli-gguf");
  const std::string pth = SharedPath("models/tiny/pth/tiny-rwkv-7v0-834K-fp32.pth");
  ShellResult r = RunCli("convert '" + pth + "' " + dir + "/m.gguf");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("(gguf, v7"), std::string::npos) << r.out;
  r = RunCli("convert " + dir + "/m.gguf " + dir + "/m.safetensors");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const char* ref = "reference/official/logits-seed-7v0-834K-fp32.f32";
  const float d_gguf = MaxDiffFromOfficial(dir + "/m.gguf", ref);
  const float d_st = MaxDiffFromOfficial(dir + "/m.safetensors", ref);
  std::printf("  cli .pth -> .gguf %.3g, -> .safetensors %.3g\n", d_gguf, d_st);
  EXPECT_LE(d_gguf, 1e-4f);
  EXPECT_LE(d_st, 1e-4f);
}

// Quantized and half-precision GGUF files from the fp32 checkpoints. The stored weights are
// exact: each file gives the logits of its own FP32 dequantization (to 1e-4). Against the
// official fp32 logits the limits are the types' precision, set from measurement (printed; the
// engine's Q8_0 .bin files measure 0.03 to 0.19 in the README's table): FP16 0.02, Q8_0 0.3
// (v6 3M measured 0.23, v7 834K 0.013).
TEST(GgufConvertCommand, Q8_0AndF16GgufStayCloseToTheOfficialLogits) {
  REQUIRE_SHARED();
  const std::string dir = testing::TempDir("cli-gguf-types");
  struct TypeCase {
    const char* version;
    const char* type;
    float limit;
  };
  for (const TypeCase& c : {TypeCase{"7v0-834K", "FP16", 0.02f}, TypeCase{"7v0-834K", "Q8_0", 0.3f},
                            TypeCase{"6v0-3m", "FP16", 0.02f}, TypeCase{"6v0-3m", "Q8_0", 0.3f}}) {
    const std::string pth =
        SharedPath(std::string("models/tiny/pth/tiny-rwkv-") + c.version + "-fp32.pth");
    const std::string out = dir + "/" + c.version + "-" + c.type + ".gguf";
    ShellResult r = RunCli("convert '" + pth + "' " + out + " --type " + c.type);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    auto f = ParseGgufFile(out);
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    for (const GgufTensorInfo& t : f->tensors) {
      if (t.name == "blk.0.time_mix_key.weight") {
        EXPECT_STREQ(DTypeName(t.dtype), c.type);
      }
    }
    const float d = MaxDiffFromOfficial(
        out, std::string("reference/official/logits-seed-") + c.version + "-fp32.f32");
    std::printf("  %s %s GGUF vs official fp32: max |difference| %.3g (limit %.3g)\n", c.version,
                c.type, d, c.limit);
    EXPECT_LE(d, c.limit);
    ASSERT_EQ(RunCli("convert " + out + " " + out + ".safetensors --type FP32").exit_code, 0);
    const float d_deq = testing::MaxAbsDiff(PromptLogits(out), PromptLogits(out + ".safetensors"));
    std::printf("  %s %s GGUF vs its FP32 dequantization: %.3g\n", c.version, c.type, d_deq);
    EXPECT_LE(d_deq, 1e-4f);
  }
}

TEST(GgufInspectCommand, PrintsArchitectureTypesAndTheStoredTokenizer) {
  REQUIRE_SHARED();
  const std::string dir = testing::TempDir("cli-gguf-inspect");
  const std::string pth = SharedPath("models/tiny/pth/tiny-rwkv-7v0-834K-fp32.pth");
  ASSERT_EQ(RunCli("convert '" + pth + "' " + dir + "/m.gguf --type Q8_0").exit_code, 0);
  ShellResult r = RunCli("inspect " + dir + "/m.gguf");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("architecture:  v7"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Q8_0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("tokenizer:     bytes (stored in the file, 256 tokens)"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("general.architecture = rwkv7"), std::string::npos) << r.out;
}

TEST(GgufConvertCommand, RefusesWhatGgufCannotHold) {
  REQUIRE_SHARED();
  const std::string dir = testing::TempDir("cli-gguf-refuse");
  ShellResult r = RunCli("convert '" + SharedPath("models/tiny/pth/tiny-rwkv-4v0-660K-fp32.pth") +
                         "' " + dir + "/v4.gguf");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("no architecture for RWKV v4"), std::string::npos) << r.out;
  r = RunCli("convert '" + SharedPath("models/tiny/pth/tiny-rwkv-7v0-834K-fp32.pth") + "' " + dir +
             "/x.out --format gguf --tokenizer 20b");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("BPE tokenizer"), std::string::npos) << r.out;
  r = RunCli("convert '" + SharedPath("models/tiny/pth/tiny-rwkv-7v0-834K-fp32.pth") + "' " + dir +
             "/x.out --format ggml");
  EXPECT_EQ(r.exit_code, 2) << r.out;
}

}  // namespace
}  // namespace rwkv
