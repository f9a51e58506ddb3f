// RWKV-7 training: hand-written gradients against central finite differences (double precision,
// every parameter tensor), the trainer's forward against the engine's inference on saved models,
// determinism and resume, the official initialization's hand-computed values.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "rwkv/forward.h"
#include "rwkv/model.h"
#include "rwkv/train/export.h"
#include "rwkv/train/rwkv7_backprop.h"
#include "rwkv/train/trainer.h"
#include "shared_data.h"

namespace rwkv::train {
namespace {

Rwkv7Shape TinyShape() {
  Rwkv7Shape s;  // C=16, 2 heads of 8, 2 layers, vocab 32, small low-rank sizes
  s.n_layer = 2;
  s.n_embd = 16;
  s.head_size = 8;
  s.n_vocab = 32;
  s.n_ffn = 32;
  s.w_lora = 4;
  s.a_lora = 5;
  s.v_lora = 3;
  s.g_lora = 6;
  return s;
}

// Official init plus noise, so that zero-initialized paths (output, ffn.value, w1...) carry
// gradient too.
Rwkv7Params<float> NoisyParams(const Rwkv7Shape& s, uint64_t seed) {
  Rwkv7Params<float> p = InitRwkv7(s, seed);
  std::mt19937_64 rng(seed + 1);
  std::uniform_real_distribution<float> u(-0.3f, 0.3f);
  p.ForEach([&](const std::string&, const std::vector<int64_t>&, float* d, size_t c) {
    for (size_t i = 0; i < c; ++i) d[i] += u(rng);
  });
  return p;
}

std::vector<int32_t> Tokens(size_t n, int vocab, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<int32_t> t(n);
  for (auto& x : t) x = static_cast<int32_t>(rng() % static_cast<uint64_t>(vocab));
  return t;
}

TEST(Rwkv7Backprop, GradientsMatchFiniteDifferencesForEveryTensor) {
  const Rwkv7Shape s = TinyShape();
  Rwkv7Params<double> p = CastParams<double>(NoisyParams(s, 3));
  const int B = 2, T = 6;
  const std::vector<int32_t> tok = Tokens(B * T, s.n_vocab, 5), tgt = Tokens(B * T, s.n_vocab, 6);
  Rwkv7Params<double> g;
  Rwkv7LossAndGrad(p, tok.data(), tgt.data(), B, T, &g);
  std::vector<double*> gdata;
  g.ForEach([&](const std::string&, const std::vector<int64_t>&, double* d, size_t) {
    gdata.push_back(d);
  });
  std::mt19937_64 rng(9);
  size_t k = 0, tensors = 0;
  p.ForEach([&](const std::string& name, const std::vector<int64_t>&, double* d, size_t c) {
    const double* gd = gdata[k++];
    ++tensors;
    // Up to 6 entries per tensor; emb only at used tokens' rows is non-zero, so include one.
    std::vector<size_t> idx;
    for (int j = 0; j < 6; ++j) idx.push_back(static_cast<size_t>(rng() % c));
    if (name == "emb.weight") idx.push_back(static_cast<size_t>(tok[0]) * s.n_embd + 3);
    for (size_t i : idx) {
      const double h = 1e-6, keep = d[i];
      d[i] = keep + h;
      const double lp = Rwkv7LossAndGrad<double>(p, tok.data(), tgt.data(), B, T, nullptr);
      d[i] = keep - h;
      const double lm = Rwkv7LossAndGrad<double>(p, tok.data(), tgt.data(), B, T, nullptr);
      d[i] = keep;
      const double fd = (lp - lm) / (2 * h);
      EXPECT_NEAR(gd[i], fd, 1e-7 + 1e-5 * std::fabs(fd)) << name << "[" << i << "]";
    }
  });
  EXPECT_EQ(tensors, 6u + 2u * 33u - 3u);  // layer 0 has no v0/v1/v2
}

TEST(Rwkv7Backprop, ForwardLossIsCrossEntropyOfItsLogits) {
  const Rwkv7Shape s = TinyShape();
  const Rwkv7Params<float> p = NoisyParams(s, 4);
  const std::vector<int32_t> tok = Tokens(5, s.n_vocab, 1), tgt = Tokens(5, s.n_vocab, 2);
  std::vector<float> logits;
  const float loss = Rwkv7LossAndGrad<float>(p, tok.data(), tgt.data(), 1, 5, nullptr, &logits);
  double want = 0;
  for (int t = 0; t < 5; ++t) {
    double z = 0;
    for (int j = 0; j < s.n_vocab; ++j) z += std::exp(double(logits[t * s.n_vocab + j]));
    want += std::log(z) - logits[t * s.n_vocab + tgt[t]];
  }
  EXPECT_NEAR(loss, want / 5, 1e-5);
}

// The engine's logits for a saved model (.bin and safetensors) equal the trainer's.
void ExpectEngineMatches(const Rwkv7Params<float>& p, const std::string& path) {
  auto model = Model::Load(path);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ((*model)->config().arch, Arch::kV7);
  const std::vector<int32_t> tok = Tokens(9, p.shape.n_vocab, 17);
  std::vector<float> want;
  Rwkv7LossAndGrad<float>(p, tok.data(), tok.data(), 1, 9, nullptr, &want);
  State st = State::Initial(**model);
  std::vector<float> got;
  ASSERT_TRUE(Forward(**model, &st, tok, LogitsMode::kAll, &got).ok());
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-4) << path << " " << i;
}

TEST(Rwkv7Export, EngineReadsTheTrainedModelWithTheTrainersLogits) {
  TrainOptions o;
  o.shape = Rwkv7Shape::Official(2, 32, 16, 40);
  o.batch = 2;
  o.ctx = 8;
  o.steps = 4;
  o.warmup = 1;
  o.lr = 1e-2;
  auto tr = Trainer::Create(o, Tokens(200, 40, 8));
  ASSERT_TRUE(tr.ok()) << tr.status().ToString();
  for (int i = 0; i < 4; ++i) tr->Step();
  const std::string dir = rwkv::testing::TempDir("train-export");
  ASSERT_TRUE(WriteBinModel(tr->params(), dir + "/m.bin").ok());
  ExpectEngineMatches(tr->params(), dir + "/m.bin");
  ASSERT_TRUE(WriteSafetensorsModel(tr->params(), dir + "/m.safetensors").ok());
  ExpectEngineMatches(tr->params(), dir + "/m.safetensors");
  // Noisy weights exercise every path (zero-initialized output matrices hide some).
  const Rwkv7Params<float> noisy = NoisyParams(o.shape, 12);
  ASSERT_TRUE(WriteBinModel(noisy, dir + "/n.bin").ok());
  ExpectEngineMatches(noisy, dir + "/n.bin");
}

std::vector<float> Flat(const Rwkv7Params<float>& p) {
  std::vector<float> v;
  p.ForEach([&](const std::string&, const std::vector<int64_t>&, const float* d, size_t c) {
    v.insert(v.end(), d, d + c);
  });
  return v;
}

TrainOptions SmallRun() {
  TrainOptions o;
  o.shape = TinyShape();
  o.batch = 3;
  o.ctx = 7;
  o.steps = 6;
  o.warmup = 2;
  o.lr = 5e-3;
  o.seed = 21;
  return o;
}

TEST(Rwkv7Trainer, SameSeedGivesIdenticalWeights) {
  const auto data = Tokens(300, 32, 2);
  auto a = Trainer::Create(SmallRun(), data);
  auto b = Trainer::Create(SmallRun(), data);
  ASSERT_TRUE(a.ok() && b.ok());
  for (int i = 0; i < 6; ++i) {
    a->Step();
    b->Step();
  }
  EXPECT_EQ(Flat(a->params()), Flat(b->params()));
  TrainOptions other = SmallRun();
  other.seed = 22;
  auto c = Trainer::Create(other, data);
  c->Step();
  EXPECT_NE(Flat(a->params()), Flat(c->params()));
}

TEST(Rwkv7Trainer, ResumeFromCheckpointContinuesExactly) {
  const auto data = Tokens(300, 32, 2);
  auto full = Trainer::Create(SmallRun(), data);
  for (int i = 0; i < 6; ++i) full->Step();
  auto first = Trainer::Create(SmallRun(), data);
  for (int i = 0; i < 2; ++i) first->Step();
  const std::string path = rwkv::testing::TempDir("train-ckpt") + "/c.ckpt";
  ASSERT_TRUE(first->SaveCheckpoint(path).ok());
  TrainOptions other_seed = SmallRun();
  other_seed.seed = 99;  // the checkpoint, not the seed, decides everything
  auto resumed = Trainer::Create(other_seed, data);
  ASSERT_TRUE(resumed->LoadCheckpoint(path).ok());
  EXPECT_EQ(resumed->step(), 2);
  for (int i = 0; i < 4; ++i) resumed->Step();
  EXPECT_EQ(Flat(full->params()), Flat(resumed->params()));
}

TEST(Rwkv7Trainer, RejectsBadDataAndCheckpoints) {
  auto t = Trainer::Create(SmallRun(), {1, 2, 3});
  EXPECT_FALSE(t.ok());
  auto data = Tokens(100, 32, 1);
  data[40] = 32;
  t = Trainer::Create(SmallRun(), data);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("position 40"), std::string::npos);
  data[40] = 0;
  t = Trainer::Create(SmallRun(), data);
  ASSERT_TRUE(t.ok());
  const std::string path = rwkv::testing::TempDir("train-bad") + "/x.ckpt";
  FILE* f = std::fopen(path.c_str(), "wb");
  std::fputs("RWKV7TRN", f);
  std::fclose(f);
  EXPECT_FALSE(t->LoadCheckpoint(path).ok());
}

TEST(Rwkv7Trainer, LossFallsOnARepeatingPattern) {
  TrainOptions o = SmallRun();
  o.steps = 40;
  o.lr = 2e-2;
  std::vector<int32_t> data;
  for (int i = 0; i < 400; ++i) data.push_back((i * 7) % 11);
  auto t = Trainer::Create(o, data);
  ASSERT_TRUE(t.ok());
  const double first = t->Step().loss;
  double last = 0;
  for (int i = 1; i < 40; ++i) last = t->Step().loss;
  EXPECT_NEAR(first, std::log(32.0), 0.2);  // near-uniform at initialization
  EXPECT_LT(last, 0.5 * first);
}

TEST(Rwkv7Trainer, WindowsBeginOnlyAtTheGivenStarts) {
  TrainOptions o = SmallRun();
  o.steps = 40;
  o.lr = 2e-2;
  // Random tokens, except two windows of ctx + 1 fives at the allowed starts.
  std::vector<int32_t> data = Tokens(400, 32, 3);
  const std::vector<size_t> starts = {100, 250};
  for (size_t s : starts) std::fill(data.begin() + s, data.begin() + s + o.ctx + 1, 5);
  auto from_starts = Trainer::Create(o, data, starts);
  auto anywhere = Trainer::Create(o, data);
  ASSERT_TRUE(from_starts.ok() && anywhere.ok());
  double a = 0, b = 0;
  for (int i = 0; i < 40; ++i) {
    a = from_starts->Step().loss;
    b = anywhere->Step().loss;
  }
  EXPECT_LT(a, 0.1);  // only the constant windows are seen
  EXPECT_GT(b, 2.0);  // mostly random tokens
  // A start must leave a whole window.
  auto bad = Trainer::Create(o, data, {400 - 7});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("393"), std::string::npos);
}

TEST(Rwkv7Init, OfficialValuesAtHandComputedPoints) {
  const Rwkv7Shape s = TinyShape();  // C = 16, N = 8, 2 layers
  const Rwkv7Params<float> p = InitRwkv7(s, 1);
  const Rwkv7Layer<float>& L0 = p.layers[0];
  const Rwkv7Layer<float>& L1 = p.layers[1];
  // w0[0] = www 0 - 6 ... = -6 + 0.5 + 2.5 * zigzag(-1) = -8; w0[15] = -6 + 6 + 0.5 + 2.5 = 3
  EXPECT_NEAR(L0.w0[0], -8.0, 1e-6);
  EXPECT_NEAR(L0.w0[15], 3.0, 1e-6);
  // x_r[8] = 1 - 0.5^0.2 (layer 0), 1 - 0.5^(0.2 * 0.5) (layer 1)
  EXPECT_NEAR(L0.x_r[8], 1 - std::pow(0.5, 0.2), 1e-6);
  EXPECT_NEAR(L1.x_r[8], 1 - std::pow(0.5, 0.1), 1e-6);
  EXPECT_NEAR(L0.ln_x_w[3], std::pow(0.5, 0.7), 1e-6);
  EXPECT_NEAR(L1.ln_x_w[3], 1.0, 1e-6);
  EXPECT_NEAR(L0.a0[0], -0.19 - 0.3 - 0.2, 1e-6);
  EXPECT_NEAR(L1.v0[15], 0.73 - 0.2, 1e-6);
  EXPECT_FLOAT_EQ(L0.k_a[5], 1.02f);
  EXPECT_FLOAT_EQ(L0.r_k[5], -0.04f);
  EXPECT_EQ(L0.att_o.norm(), 0.0f);
  EXPECT_EQ(L0.ffn_value.norm(), 0.0f);
  EXPECT_EQ(L0.w1.norm(), 0.0f);
  EXPECT_EQ(L0.v1.size(), 0);
  // head [32, 16]: orthonormal columns times 0.5 * sqrt(32 / 16)
  const Eigen::MatrixXf hh = p.head.transpose() * p.head;
  EXPECT_TRUE(hh.isApprox(Eigen::MatrixXf::Identity(16, 16) * 0.5f, 1e-4));
  EXPECT_LE(p.emb.cwiseAbs().maxCoeff(), 1e-4f);
}

}  // namespace
}  // namespace rwkv::train
