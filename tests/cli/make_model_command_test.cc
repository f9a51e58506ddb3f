// `rwkv-eval make-model` and `rwkv-eval bench`, run as a user runs them.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "run_shell.h"
#include "rwkv/model.h"
#include "shared_data.h"

namespace {

using rwkv::testing::ShellResult;

ShellResult RunCli(const std::string& args) {
  return rwkv::testing::RunShell("'" RWKV_EVAL_BINARY "' " + args + " 2>&1");
}

TEST(MakeModelCommand, WritesAModelOfTheRequestedShape) {
  const std::string path = rwkv::testing::TempDir("cli") + "/m.bin";
  ShellResult r = RunCli(
      "make-model --arch v6 --layers 2 --embed 128 --head-size 32 --vocab 500 "
      "--type Q5_1 --seed 4 " +
      path);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto m = rwkv::Model::Load(path);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const rwkv::ModelConfig& c = (*m)->config();
  EXPECT_EQ(c.arch, rwkv::Arch::kV6);
  EXPECT_EQ(c.n_layer, 2);
  EXPECT_EQ(c.n_embd, 128);
  EXPECT_EQ(c.n_head, 4);
  EXPECT_EQ(c.n_vocab, 500);
  EXPECT_EQ((*m)->layers()[1].ffn_k.dtype, rwkv::DType::kQ5_1);
}

TEST(MakeModelCommand, FormatIsASynonymOfType) {
  const std::string path = rwkv::testing::TempDir("cli") + "/f.bin";
  ShellResult r =
      RunCli("make-model --arch v4 --layers 1 --embed 64 --vocab 50 --format Q8_0 " + path);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto m = rwkv::Model::Load(path);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ((*m)->layers()[0].att_k.dtype, rwkv::DType::kQ8_0);
}

TEST(MakeModelCommand, RejectsBadArguments) {
  const std::string path = rwkv::testing::TempDir("cli") + "/bad.bin";
  EXPECT_EQ(RunCli("make-model --arch v9 --layers 1 --embed 64 --vocab 10 " + path).exit_code, 2);
  EXPECT_EQ(
      RunCli("make-model --arch v7 --layers 1 --embed 64 --vocab 10 --type Q3 " + path).exit_code,
      2);
  ShellResult r = RunCli("make-model --arch v7 --layers 1 --embed 100 --vocab 10 " + path);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("head size"), std::string::npos) << r.out;
}

TEST(BenchCommand, PrintsTheMeasurementsAsJson) {
  const std::string path = rwkv::testing::TempDir("cli") + "/m.bin";
  ASSERT_EQ(RunCli("make-model --arch v7 --layers 1 --embed 64 --vocab 100 " + path).exit_code, 0);
  ShellResult r = rwkv::testing::RunShell("'" RWKV_EVAL_BINARY "' bench --model " + path +
                                          " --threads 1 --decode 4 --prefill 16 --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  for (const char* key :
       {"decode_tok_s", "prefill_tok_s", "prefill_all_logits_tok_s", "peak_rss_mb"}) {
    ASSERT_TRUE(j.contains(key)) << key << " missing in " << r.out;
    EXPECT_GT(j[key].get<double>(), 0.0) << key;
  }
  EXPECT_EQ(j["threads"], 1);
  EXPECT_EQ(RunCli("bench --model " + path + " --decode 0").exit_code, 2);
  EXPECT_EQ(RunCli("bench --model /nonexistent.bin").exit_code, 1);
}

}  // namespace
