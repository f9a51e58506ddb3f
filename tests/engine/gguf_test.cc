// GGUF (llama.cpp's rwkv6/rwkv7 files): round trips against the official logits, llama.cpp's
// names and shapes, the rescaled-layer transform, the tokenizer in the metadata, damaged files.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model_logits.h"
#include "reference_inputs.h"
#include "rwkv/forward.h"
#include "rwkv/gguf_file.h"
#include "rwkv/gguf_format.h"
#include "rwkv/model.h"
#include "rwkv/random_model.h"
#include "rwkv/safetensors_format.h"
#include "rwkv/tokenizer.h"
#include "shared_data.h"

namespace rwkv {
namespace {

using testing::LogitsOf;
using testing::MaxAbsDiff;
using testing::MidIds;
using testing::PromptBytes;
using testing::ReadF32;
using testing::SharedPath;

std::shared_ptr<const Model> LoadOrDie(const std::string& path) {
  auto m = Model::Load(path);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return m.ok() ? *m : nullptr;
}

struct Case {
  std::string pth;        // relative to the shared folder
  std::string reference;  // relative to the shared folder
  bool mid = false;
  float limit = 1e-4f;
};

std::vector<Case> Cases() {
  // Limit 1e-4 for every case, bf16 included (see formats_test): the GGUF keeps the BF16
  // embedding and the bfloat16 values of ln0, so it still applies ln0 as the official
  // implementation does on the bf16 checkpoint.
  return {
      {"models/tiny/pth/tiny-rwkv-7v0-834K-fp32.pth",
       "reference/official/logits-seed-7v0-834K-fp32.f32"},
      {"models/tiny/pth/tiny-rwkv-6v0-3m-fp32.pth",
       "reference/official/logits-seed-6v0-3m-fp32.f32"},
      {"models/tiny/pth/tiny-rwkv-7v0-834K-bf16.pth",
       "reference/official/logits-seed-7v0-834K-bf16.f32"},
      {"models/tiny/pth/tiny-rwkv-6v0-3m-bf16.pth",
       "reference/official/logits-seed-6v0-3m-bf16.f32"},
      {"models/mid/mid-rwkv-7v0-fp32.pth", "reference/mid/logits-visible-7v0-fp32.f32", true},
      {"models/mid/mid-rwkv-6v0-fp32.pth", "reference/mid/logits-visible-6v0-fp32.f32", true},
  };
}

std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  std::string n = info.param.pth.substr(info.param.pth.rfind('/') + 1);
  for (char& c : n) {
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return n;
}

class GgufRoundTrip : public ::testing::TestWithParam<Case> {};

// .pth -> .gguf -> .safetensors: the GGUF model and the safetensors copy of it both give the
// official logits at every position.
TEST_P(GgufRoundTrip, PthToGgufToSafetensorsKeepsTheOfficialLogits) {
  REQUIRE_SHARED();
  const Case& c = GetParam();
  const std::vector<int32_t> ids = c.mid ? MidIds() : PromptBytes();
  const std::vector<float> official = ReadF32(SharedPath(c.reference));
  auto pth = LoadOrDie(SharedPath(c.pth));
  ASSERT_NE(pth, nullptr);
  const std::string dir = testing::TempDir("gguf-roundtrip");
  ASSERT_TRUE(WriteGgufModel(dir + "/m.gguf", *pth, {}).ok());
  auto gguf = LoadOrDie(dir + "/m.gguf");
  ASSERT_NE(gguf, nullptr);
  EXPECT_EQ(gguf->config().arch, pth->config().arch);
  EXPECT_EQ(gguf->config().n_head, pth->config().n_head);
  const float d_gguf = MaxAbsDiff(LogitsOf(*gguf, ids), official);
  ASSERT_TRUE(WriteSafetensorsModel(dir + "/m.safetensors", *gguf).ok());
  auto st = LoadOrDie(dir + "/m.safetensors");
  ASSERT_NE(st, nullptr);
  const float d_st = MaxAbsDiff(LogitsOf(*st, ids), official);
  std::printf("  %s: .gguf vs official %.3g, .gguf -> .safetensors vs official %.3g (limit %.3g)\n",
              c.pth.c_str(), d_gguf, d_st, c.limit);
  EXPECT_LE(d_gguf, c.limit);
  EXPECT_LE(d_st, c.limit);
}

INSTANTIATE_TEST_SUITE_P(Shared, GgufRoundTrip, ::testing::ValuesIn(Cases()), CaseName);

std::map<std::string, std::vector<int64_t>> ShapesOf(const GgufFile& f) {
  std::map<std::string, std::vector<int64_t>> out;
  for (const GgufTensorInfo& t : f.tensors) out[t.name] = t.ne;
  return out;
}

// The names, ggml shapes and metadata llama.cpp's rwkv7 loader asks for (llama-model.cpp,
// create_tensor calls), written out by hand for the mid model (C 128, 2 heads of 64, FFN 512,
// w/a/g low rank 32, v 16, vocabulary 1000, 3 blocks).
TEST(GgufLayout, Rwkv7HasLlamaCppNamesAndShapes) {
  REQUIRE_SHARED();
  auto m = LoadOrDie(SharedPath("models/mid/mid-rwkv-7v0-fp32.pth"));
  ASSERT_NE(m, nullptr);
  const std::string path = testing::TempDir("gguf-layout") + "/m7.gguf";
  ASSERT_TRUE(WriteGgufModel(path, *m, {}).ok());
  auto f = ParseGgufFile(path);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->version, 3u);
  auto shapes = ShapesOf(*f);
  using V = std::vector<int64_t>;
  const std::map<std::string, V> want = {
      {"token_embd.weight", {128, 1000}},
      {"token_embd_norm.weight", {128}},
      {"token_embd_norm.bias", {128}},
      {"output_norm.weight", {128}},
      {"output.weight", {128, 1000}},
      {"blk.0.attn_norm.weight", {128}},
      {"blk.0.attn_norm_2.bias", {128}},
      {"blk.0.time_mix_w0.weight", {128}},
      {"blk.0.time_mix_w1.weight", {128, 32}},
      {"blk.0.time_mix_w2.weight", {32, 128}},
      {"blk.0.time_mix_a1.weight", {128, 32}},
      {"blk.0.time_mix_v1.weight", {128, 32}},  // block 0: shaped like a1 (iclr rank)
      {"blk.0.time_mix_v2.weight", {32, 128}},
      {"blk.1.time_mix_v1.weight", {128, 16}},
      {"blk.1.time_mix_v2.weight", {16, 128}},
      {"blk.2.time_mix_g1.weight", {128, 32}},
      {"blk.2.time_mix_g2.weight", {32, 128}},
      {"blk.1.time_mix_lerp_fused.weight", {128, 1, 1, 6}},
      {"blk.1.time_mix_k_k.weight", {128}},
      {"blk.1.time_mix_r_k.weight", {128}},
      {"blk.1.time_mix_key.weight", {128, 128}},
      {"blk.1.time_mix_ln.bias", {128}},
      {"blk.1.time_mix_output.weight", {128, 128}},
      {"blk.1.channel_mix_lerp_k.weight", {128, 1, 1}},
      {"blk.1.channel_mix_key.weight", {128, 512}},
      {"blk.1.channel_mix_value.weight", {512, 128}},
  };
  for (const auto& [name, ne] : want) {
    ASSERT_TRUE(shapes.count(name)) << name;
    EXPECT_EQ(shapes[name], ne) << name;
  }
  EXPECT_EQ(shapes.size(), 6u + 3u * 28u);  // 28 tensors per block (v0/v1/v2 included)
  auto u = [&](const std::string& k) { return f->Find(k) ? f->Find(k)->i : -1; };
  EXPECT_EQ(f->Find("general.architecture")->s, "rwkv7");
  EXPECT_EQ(u("rwkv7.embedding_length"), 128);
  EXPECT_EQ(u("rwkv7.block_count"), 3);
  EXPECT_EQ(u("rwkv7.feed_forward_length"), 512);
  EXPECT_EQ(u("rwkv7.wkv.head_size"), 64);
  EXPECT_EQ(u("rwkv7.attention.decay_lora_rank"), 32);
  EXPECT_EQ(u("rwkv7.attention.iclr_lora_rank"), 32);
  EXPECT_EQ(u("rwkv7.attention.value_residual_mix_lora_rank"), 16);
  EXPECT_EQ(u("rwkv7.attention.gate_lora_rank"), 32);
}

// The same for rwkv6 (mid model: C 128, heads of 64, FFN 448; the official v6 low-rank sizes
// for C 128 as the file has them).
TEST(GgufLayout, Rwkv6HasLlamaCppNamesAndShapes) {
  REQUIRE_SHARED();
  auto m = LoadOrDie(SharedPath("models/mid/mid-rwkv-6v0-fp32.pth"));
  ASSERT_NE(m, nullptr);
  const int D = m->config().maa_lora, D2 = m->config().decay_lora;
  const std::string path = testing::TempDir("gguf-layout") + "/m6.gguf";
  ASSERT_TRUE(WriteGgufModel(path, *m, {}).ok());
  auto f = ParseGgufFile(path);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  auto shapes = ShapesOf(*f);
  using V = std::vector<int64_t>;
  const std::map<std::string, V> want = {
      {"blk.0.time_mix_w1.weight", {128, 5 * D}},
      {"blk.0.time_mix_w2.weight", {D, 128, 5}},
      {"blk.0.time_mix_lerp_x.weight", {128, 1, 1}},
      {"blk.0.time_mix_lerp_fused.weight", {128, 1, 1, 5}},
      {"blk.0.time_mix_first.weight", {64, 2}},
      {"blk.0.time_mix_decay.weight", {128}},
      {"blk.0.time_mix_decay_w1.weight", {128, D2}},
      {"blk.0.time_mix_decay_w2.weight", {D2, 128}},
      {"blk.0.time_mix_gate.weight", {128, 128}},
      {"blk.0.channel_mix_lerp_r.weight", {128, 1, 1}},
      {"blk.0.channel_mix_receptance.weight", {128, 128}},
      {"blk.0.channel_mix_key.weight", {128, 448}},
  };
  for (const auto& [name, ne] : want) {
    ASSERT_TRUE(shapes.count(name)) << name;
    EXPECT_EQ(shapes[name], ne) << name;
  }
  EXPECT_EQ(f->Find("rwkv6.time_mix_extra_dim")->i, D);
  EXPECT_EQ(f->Find("rwkv6.time_decay_extra_dim")->i, D2);
  EXPECT_EQ(f->Find("rwkv6.rescale_every_n_layers")->i, 0);
}

// Copies a GGUF file written by WriteGgufModel through `edit` (which may change a tensor's
// F32 values by name) and with the given extra uint32 metadata.
void Rewrite(const std::string& in, const std::string& out,
             const std::map<std::string, uint32_t>& uints,
             const std::function<void(const std::string&, std::vector<float>*)>& edit) {
  auto f = ParseGgufFile(in);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  GgufWriter w;
  for (const auto& [key, v] : f->metadata) {
    if (uints.count(key)) continue;
    switch (v.type) {
      case GgufType::kString:
        w.AddString(key, v.s);
        break;
      case GgufType::kUint32:
        w.AddUint32(key, static_cast<uint32_t>(v.i));
        break;
      case GgufType::kFloat32:
        w.AddFloat32(key, static_cast<float>(v.f));
        break;
      default:
        FAIL() << "unexpected metadata type for " << key;
    }
  }
  for (const auto& [key, value] : uints) w.AddUint32(key, value);
  for (const GgufTensorInfo& t : f->tensors) {
    if (t.dtype != DType::kF32) {
      ASSERT_TRUE(w.AddTensor(t.name, t.dtype, t.ne, t.data, t.nbytes).ok());
      continue;
    }
    std::vector<float> v(t.nbytes / 4);
    std::memcpy(v.data(), t.data, t.nbytes);
    edit(t.name, &v);
    ASSERT_TRUE(w.AddTensor(t.name, t.dtype, t.ne, v.data(), t.nbytes).ok());
  }
  ASSERT_TRUE(w.Write(out).ok());
}

// ---- Official values land where llama.cpp's converter puts them (checked against the official
// bf16 safetensors files, read here with a JSON parser, independently of the engine's readers).
// ----

struct RawTensor {
  std::vector<int64_t> shape;
  std::vector<float> values;
};

std::map<std::string, RawTensor> ReadOfficialSafetensors(const std::string& path) {
  const std::string bytes = testing::ReadFileBytes(path);
  uint64_t len = 0;
  std::memcpy(&len, bytes.data(), 8);
  const nlohmann::json header = nlohmann::json::parse(bytes.substr(8, len));
  std::map<std::string, RawTensor> out;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") continue;
    EXPECT_EQ(it.value()["dtype"], "BF16") << it.key();
    RawTensor t;
    t.shape = it.value()["shape"].get<std::vector<int64_t>>();
    const uint64_t begin = it.value()["data_offsets"][0], end = it.value()["data_offsets"][1];
    for (uint64_t at = begin; at < end; at += 2) {
      uint32_t u = 0;
      std::memcpy(&u, bytes.data() + 8 + len + at, 2);
      u <<= 16;
      float f;
      std::memcpy(&f, &u, 4);
      t.values.push_back(f);
    }
    out[it.key()] = t;
  }
  return out;
}

std::map<std::string, RawTensor> GgufValues(const GgufFile& f) {
  std::map<std::string, RawTensor> out;
  for (const GgufTensorInfo& t : f.tensors) {
    RawTensor r;
    r.shape = t.ne;
    int64_t n = 1;
    for (int64_t d : t.ne) n *= d;
    r.values.resize(static_cast<size_t>(n));
    DequantizeRow(t.dtype, t.data, r.values.data(), n);
    out[t.name] = r;
  }
  return out;
}

// [rows][cols] -> [cols][rows]
std::vector<float> Transposed(const RawTensor& t) {
  const int64_t rows = t.shape[t.shape.size() - 2], cols = t.shape.back();
  const int64_t batch = static_cast<int64_t>(t.values.size()) / (rows * cols);
  std::vector<float> out(t.values.size());
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t c = 0; c < cols; ++c) {
        out[b * rows * cols + c * rows + r] = t.values[b * rows * cols + r * cols + c];
      }
    }
  }
  return out;
}

std::vector<float> Concat(const std::map<std::string, RawTensor>& m,
                          const std::vector<std::string>& names) {
  std::vector<float> out;
  for (const std::string& n : names) {
    out.insert(out.end(), m.at(n).values.begin(), m.at(n).values.end());
  }
  return out;
}

TEST(GgufLayout, OfficialRwkv7ValuesAreWhereLlamaCppPutsThem) {
  REQUIRE_SHARED();
  auto m = LoadOrDie(SharedPath("models/tiny/pth/tiny-rwkv-7v0-834K-bf16.pth"));
  ASSERT_NE(m, nullptr);
  const std::string path = testing::TempDir("gguf-values") + "/v7.gguf";
  ASSERT_TRUE(WriteGgufModel(path, *m, {}).ok());
  auto f = ParseGgufFile(path);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  const auto g = GgufValues(*f);
  const auto o = ReadOfficialSafetensors(
      SharedPath("models/tiny/safetensors/tiny-rwkv-7v0-834K-bf16.safetensors"));
  EXPECT_EQ(g.at("token_embd.weight").values, o.at("emb.weight").values);
  EXPECT_EQ(g.at("output.weight").values, o.at("head.weight").values);
  EXPECT_EQ(g.at("token_embd_norm.bias").values, o.at("blocks.0.ln0.bias").values);
  const int layers = m->config().n_layer;
  for (int i = 0; i < layers; ++i) {
    const std::string b = "blk." + std::to_string(i) + ".",
                      a = "blocks." + std::to_string(i) + ".att.";
    EXPECT_EQ(g.at(b + "time_mix_lerp_fused.weight").values,
              Concat(o, {a + "x_r", a + "x_w", a + "x_k", a + "x_v", a + "x_a", a + "x_g"}));
    for (const char* lr : {"w1", "w2", "a1", "a2", "g1", "g2"}) {
      EXPECT_EQ(g.at(b + "time_mix_" + lr + ".weight").values, Transposed(o.at(a + lr))) << b << lr;
    }
    // Block 0 has no value residual: llama.cpp's placeholders are a0/a1/a2.
    const std::string v = i == 0 ? "a" : "v";
    EXPECT_EQ(g.at(b + "time_mix_v0.weight").values, o.at(a + v + "0").values);
    EXPECT_EQ(g.at(b + "time_mix_v1.weight").values, Transposed(o.at(a + v + "1")));
    EXPECT_EQ(g.at(b + "time_mix_v2.weight").values, Transposed(o.at(a + v + "2")));
    for (const char* vec : {"w0", "a0", "k_k", "k_a", "r_k"}) {
      EXPECT_EQ(g.at(b + "time_mix_" + vec + ".weight").values, o.at(a + vec).values) << b << vec;
    }
    EXPECT_EQ(g.at(b + "time_mix_key.weight").values, o.at(a + "key.weight").values);
    EXPECT_EQ(g.at(b + "time_mix_ln.weight").values, o.at(a + "ln_x.weight").values);
    EXPECT_EQ(g.at(b + "channel_mix_lerp_k.weight").values,
              o.at("blocks." + std::to_string(i) + ".ffn.x_k").values);
  }
}

TEST(GgufLayout, OfficialRwkv6ValuesAreWhereLlamaCppPutsThem) {
  REQUIRE_SHARED();
  auto m = LoadOrDie(SharedPath("models/tiny/pth/tiny-rwkv-6v0-3m-bf16.pth"));
  ASSERT_NE(m, nullptr);
  const std::string path = testing::TempDir("gguf-values") + "/v6.gguf";
  ASSERT_TRUE(WriteGgufModel(path, *m, {}).ok());
  auto f = ParseGgufFile(path);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  const auto g = GgufValues(*f);
  const auto o = ReadOfficialSafetensors(
      SharedPath("models/tiny/safetensors/tiny-rwkv-6v0-3m-bf16.safetensors"));
  for (int i = 0; i < m->config().n_layer; ++i) {
    const std::string b = "blk." + std::to_string(i) + ".",
                      a = "blocks." + std::to_string(i) + ".att.";
    const std::string fm = "blocks." + std::to_string(i) + ".ffn.";
    EXPECT_EQ(g.at(b + "time_mix_lerp_x.weight").values, o.at(a + "time_maa_x").values);
    EXPECT_EQ(g.at(b + "time_mix_lerp_fused.weight").values,
              Concat(o, {a + "time_maa_w", a + "time_maa_k", a + "time_maa_v", a + "time_maa_r",
                         a + "time_maa_g"}));
    EXPECT_EQ(g.at(b + "time_mix_w1.weight").values, Transposed(o.at(a + "time_maa_w1")));
    EXPECT_EQ(g.at(b + "time_mix_w2.weight").values, Transposed(o.at(a + "time_maa_w2")));
    EXPECT_EQ(g.at(b + "time_mix_decay_w1.weight").values, Transposed(o.at(a + "time_decay_w1")));
    EXPECT_EQ(g.at(b + "time_mix_decay_w2.weight").values, Transposed(o.at(a + "time_decay_w2")));
    EXPECT_EQ(g.at(b + "time_mix_decay.weight").values, o.at(a + "time_decay").values);
    EXPECT_EQ(g.at(b + "time_mix_first.weight").values, o.at(a + "time_faaaa").values);
    EXPECT_EQ(g.at(b + "time_mix_gate.weight").values, o.at(a + "gate.weight").values);
    EXPECT_EQ(g.at(b + "channel_mix_lerp_k.weight").values, o.at(fm + "time_maa_k").values);
    EXPECT_EQ(g.at(b + "channel_mix_lerp_r.weight").values, o.at(fm + "time_maa_r").values);
    EXPECT_EQ(g.at(b + "channel_mix_receptance.weight").values,
              o.at(fm + "receptance.weight").values);
  }
}

// ---- A GGUF file made as llama.cpp's own converter makes it, independently of WriteGgufModel:
// convert_hf_to_gguf.py's Rwkv6Model / Rwkv7Model.modify_tensors and its --outtype bf16 type
// rules, applied here by hand to the official bf16 safetensors values; the tensor shapes are
// the ones llama-model.cpp's create_tensor asks for. ----

bool EndsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

class LlamaCppConverter {
 public:
  // Adds a tensor of PyTorch shape `shape` (after the converter's squeeze / transpose) in the
  // type the converter picks for --outtype bf16: F32 for 1-D tensors, norms, biases and the
  // RWKV tensors it always keeps in float32 (time_mix_first, time_mix_w1/w2,
  // time_mix_decay_w1/w2, time_mix_lerp_fused); BF16 for every other matrix.
  void Add(const std::string& name, const std::vector<int64_t>& shape, std::vector<float> values) {
    const std::vector<int64_t> ne(shape.rbegin(), shape.rend());
    bool f32 = shape.size() <= 1 || EndsWith(name, "_norm.weight") || !EndsWith(name, ".weight");
    for (const char* kept :
         {".time_mix_first.", ".time_mix_w1.", ".time_mix_w2.", ".time_mix_decay_w1.",
          ".time_mix_decay_w2.", ".time_mix_lerp_fused."}) {
      f32 = f32 || name.find(kept) != std::string::npos;
    }
    if (f32) {
      ASSERT_TRUE(w.AddTensor(name, DType::kF32, ne, values.data(), values.size() * 4).ok());
      return;
    }
    std::vector<uint16_t> bf16(values.size());
    for (size_t i = 0; i < values.size(); ++i) {
      uint32_t u;
      std::memcpy(&u, &values[i], 4);
      ASSERT_EQ(u & 0xffffu, 0u) << name << ": not a bfloat16 value";
      bf16[i] = static_cast<uint16_t>(u >> 16);
    }
    ASSERT_TRUE(w.AddTensor(name, DType::kBF16, ne, bf16.data(), bf16.size() * 2).ok());
  }
  GgufWriter w;
};

// torch.squeeze(): every dimension of size 1 dropped.
std::vector<int64_t> Squeezed(const std::vector<int64_t>& shape) {
  std::vector<int64_t> out;
  for (int64_t d : shape) {
    if (d != 1) out.push_back(d);
  }
  return out;
}

int64_t BlockCount(const std::map<std::string, RawTensor>& o) {
  int64_t layers = 0;
  while (o.count("blocks." + std::to_string(layers) + ".ln1.weight")) ++layers;
  return layers;
}

// The converter's general keys (set_gguf_parameters) for an rwkv6 / rwkv7 file.
void AddCommonKeys(GgufWriter* w, const std::string& arch,
                   const std::map<std::string, RawTensor>& o, int64_t head_size) {
  const int64_t C = o.at("emb.weight").shape[1], layers = BlockCount(o);
  const int64_t ffn = o.at("blocks.0.ffn.key.weight").shape[0];
  w->AddString("general.architecture", arch);
  w->AddUint32(arch + ".context_length", 1048576);
  w->AddUint32(arch + ".embedding_length", static_cast<uint32_t>(C));
  w->AddUint32(arch + ".block_count", static_cast<uint32_t>(layers));
  w->AddFloat32(arch + ".attention.layer_norm_epsilon", 1e-5f);
  w->AddUint32(arch + ".wkv.head_size", static_cast<uint32_t>(head_size));
  w->AddUint32(arch + ".feed_forward_length", static_cast<uint32_t>(ffn));
  w->AddUint32("general.file_type", 32);  // LLAMA_FTYPE_MOSTLY_BF16
  w->AddUint32(arch + ".attention.head_count", 0);
}

// The block-level names shared by both architectures (gguf-py tensor_mapping.py).
const std::map<std::string, std::string>& CommonNames() {
  static const std::map<std::string, std::string> names = {
      {"ln1.weight", "attn_norm.weight"},
      {"ln1.bias", "attn_norm.bias"},
      {"ln2.weight", "attn_norm_2.weight"},
      {"ln2.bias", "attn_norm_2.bias"},
      {"att.key.weight", "time_mix_key.weight"},
      {"att.value.weight", "time_mix_value.weight"},
      {"att.receptance.weight", "time_mix_receptance.weight"},
      {"att.output.weight", "time_mix_output.weight"},
      {"att.gate.weight", "time_mix_gate.weight"},
      {"att.ln_x.weight", "time_mix_ln.weight"},
      {"att.ln_x.bias", "time_mix_ln.bias"},
      {"ffn.key.weight", "channel_mix_key.weight"},
      {"ffn.value.weight", "channel_mix_value.weight"},
      {"ffn.receptance.weight", "channel_mix_receptance.weight"},
  };
  return names;
}

// Top-level tensors: token_embd, token_embd_norm (block 0's ln0), output_norm, output.
void AddTopLevel(LlamaCppConverter* c, const std::map<std::string, RawTensor>& o) {
  const std::pair<const char*, const char*> names[] = {
      {"emb.weight", "token_embd.weight"},
      {"head.weight", "output.weight"},
      {"blocks.0.ln0.weight", "token_embd_norm.weight"},
      {"blocks.0.ln0.bias", "token_embd_norm.bias"},
      {"ln_out.weight", "output_norm.weight"},
      {"ln_out.bias", "output_norm.bias"}};
  for (const auto& [from, to] : names) c->Add(to, o.at(from).shape, o.at(from).values);
}

// Rwkv7Model.modify_tensors on official names (lora_needs_transpose): block 0's v0/v1/v2 are
// dropped and a0/a1/a2 copied in their place; x_r ... x_g stacked into time_mix_lerp_fused
// [6, 1, 1, C]; everything else squeezed, the low-rank matrices transposed, r_k flattened.
void ConvertRwkv7(const std::map<std::string, RawTensor>& o, const std::string& path) {
  LlamaCppConverter c;
  const int64_t C = o.at("emb.weight").shape[1];
  const int64_t layers = BlockCount(o);
  const std::vector<int64_t> r_k = o.at("blocks.0.att.r_k").shape;
  AddCommonKeys(&c.w, "rwkv7", o, r_k[1]);
  c.w.AddUint32("rwkv7.attention.decay_lora_rank",
                static_cast<uint32_t>(o.at("blocks.0.att.w1").shape[1]));
  c.w.AddUint32("rwkv7.attention.iclr_lora_rank",
                static_cast<uint32_t>(o.at("blocks.0.att.a1").shape[1]));
  c.w.AddUint32("rwkv7.attention.value_residual_mix_lora_rank",
                static_cast<uint32_t>(o.at("blocks.1.att.v1").shape[1]));
  c.w.AddUint32("rwkv7.attention.gate_lora_rank",
                static_cast<uint32_t>(o.at("blocks.0.att.g1").shape[1]));
  AddTopLevel(&c, o);
  for (int64_t i = 0; i < layers; ++i) {
    const std::string p = "blocks." + std::to_string(i) + ".", b = "blk." + std::to_string(i) + ".";
    for (const auto& [from, to] : CommonNames()) {
      if (o.count(p + from)) c.Add(b + to, Squeezed(o.at(p + from).shape), o.at(p + from).values);
    }
    std::vector<float> mixes;
    for (const char* x : {"x_r", "x_w", "x_k", "x_v", "x_a", "x_g"}) {
      const RawTensor& t = o.at(p + "att." + x);
      EXPECT_EQ(t.shape, (std::vector<int64_t>{1, 1, C}));
      mixes.insert(mixes.end(), t.values.begin(), t.values.end());
    }
    c.Add(b + "time_mix_lerp_fused.weight", {6, 1, 1, C}, mixes);
    for (const char* lr : {"w", "a", "v", "g"}) {
      const std::string from = i == 0 && lr[0] == 'v' ? "a" : lr;  // block 0: copies of a
      for (const char* n : {"0", "1", "2"}) {
        if (lr[0] == 'g' && n[0] == '0') continue;
        const RawTensor& t = o.at(p + "att." + from + n);
        const std::string to = b + "time_mix_" + lr + n + ".weight";
        if (n[0] == '0') {
          c.Add(to, Squeezed(t.shape), t.values);
        } else {
          c.Add(to, {t.shape[1], t.shape[0]}, Transposed(t));
        }
      }
    }
    for (const char* v : {"k_k", "k_a"}) {
      c.Add(b + "time_mix_" + v + ".weight", {C}, o.at(p + "att." + v).values);
    }
    c.Add(b + "time_mix_r_k.weight", {C}, o.at(p + "att.r_k").values);  // flattened
    c.Add(b + "channel_mix_lerp_k.weight", {C}, o.at(p + "ffn.x_k").values);
  }
  ASSERT_TRUE(c.w.Write(path).ok());
}

// Rwkv6Model.modify_tensors: time_maa_w1, time_decay_w1/w2 transposed; time_maa_w2 permuted
// (0, 2, 1); time_decay and the lerp vectors squeezed; time_maa_w/k/v/r/g stacked into
// time_mix_lerp_fused [5, 1, 1, C]; time_faaaa kept [H, N]; block N's time_mix_output and
// channel_mix_value divided by 2^(N / rescale_every).
void ConvertRwkv6(const std::map<std::string, RawTensor>& o, const std::string& path,
                  int rescale_every) {
  LlamaCppConverter c;
  const int64_t C = o.at("emb.weight").shape[1];
  const int64_t layers = BlockCount(o);
  const std::vector<int64_t> faaaa = o.at("blocks.0.att.time_faaaa").shape;
  AddCommonKeys(&c.w, "rwkv6", o, faaaa[1]);
  c.w.AddUint32("rwkv6.rescale_every_n_layers", static_cast<uint32_t>(rescale_every));
  c.w.AddUint32("rwkv6.time_mix_extra_dim",
                static_cast<uint32_t>(o.at("blocks.0.att.time_maa_w1").shape[1] / 5));
  c.w.AddUint32("rwkv6.time_decay_extra_dim",
                static_cast<uint32_t>(o.at("blocks.0.att.time_decay_w1").shape[1]));
  AddTopLevel(&c, o);
  for (int64_t i = 0; i < layers; ++i) {
    const std::string p = "blocks." + std::to_string(i) + ".", b = "blk." + std::to_string(i) + ".";
    const float scale = 1.0f / static_cast<float>(1 << (i / rescale_every));
    for (const auto& [from, to] : CommonNames()) {
      std::vector<float> v = o.at(p + from).values;
      if (to == "time_mix_output.weight" || to == "channel_mix_value.weight") {
        for (float& x : v) x *= scale;
      }
      c.Add(b + to, Squeezed(o.at(p + from).shape), v);
    }
    const std::string a = p + "att.";
    c.Add(b + "time_mix_lerp_x.weight", {C}, o.at(a + "time_maa_x").values);
    std::vector<float> fused;
    for (const char* x : {"w", "k", "v", "r", "g"}) {
      const std::vector<float>& v = o.at(a + "time_maa_" + x).values;
      fused.insert(fused.end(), v.begin(), v.end());
    }
    c.Add(b + "time_mix_lerp_fused.weight", {5, 1, 1, C}, fused);
    const RawTensor& w1 = o.at(a + "time_maa_w1");
    c.Add(b + "time_mix_w1.weight", {w1.shape[1], w1.shape[0]}, Transposed(w1));
    const RawTensor& w2 = o.at(a + "time_maa_w2");  // [5, D, C] -> [5, C, D]
    c.Add(b + "time_mix_w2.weight", {w2.shape[0], w2.shape[2], w2.shape[1]}, Transposed(w2));
    for (const char* d : {"1", "2"}) {
      const RawTensor& t = o.at(a + "time_decay_w" + d);
      c.Add(b + "time_mix_decay_w" + d + ".weight", {t.shape[1], t.shape[0]}, Transposed(t));
    }
    c.Add(b + "time_mix_decay.weight", {C}, o.at(a + "time_decay").values);
    c.Add(b + "time_mix_first.weight", faaaa, o.at(a + "time_faaaa").values);
    c.Add(b + "channel_mix_lerp_k.weight", {C}, o.at(p + "ffn.time_maa_k").values);
    c.Add(b + "channel_mix_lerp_r.weight", {C}, o.at(p + "ffn.time_maa_r").values);
  }
  ASSERT_TRUE(c.w.Write(path).ok());
}

// The converter-made files load and give the official logits of the bf16 checkpoint.
TEST(GgufFromLlamaCppConverter, Rwkv7GivesTheOfficialLogits) {
  REQUIRE_SHARED();
  const std::string path = testing::TempDir("gguf-converter") + "/v7.gguf";
  ConvertRwkv7(ReadOfficialSafetensors(
                   SharedPath("models/tiny/safetensors/tiny-rwkv-7v0-834K-bf16.safetensors")),
               path);
  auto f = ParseGgufFile(path);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(ShapesOf(*f).at("blk.0.channel_mix_lerp_k.weight").size(), 1u)
      << "squeezed to one dimension, as the converter writes it";
  EXPECT_EQ(f->tensors[0].dtype, DType::kBF16) << f->tensors[0].name;
  auto m = LoadOrDie(path);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->config().arch, Arch::kV7);
  const float d =
      MaxAbsDiff(LogitsOf(*m, PromptBytes()),
                 ReadF32(SharedPath("reference/official/logits-seed-7v0-834K-bf16.f32")));
  std::printf("  llama.cpp-converted rwkv7 (bf16) vs official: %.3g (limit 1e-4)\n", d);
  EXPECT_LE(d, 1e-4f);
}

TEST(GgufFromLlamaCppConverter, Rwkv6WithRescaledLayersGivesTheOfficialLogits) {
  REQUIRE_SHARED();
  const std::string path = testing::TempDir("gguf-converter") + "/v6.gguf";
  ConvertRwkv6(ReadOfficialSafetensors(
                   SharedPath("models/tiny/safetensors/tiny-rwkv-6v0-3m-bf16.safetensors")),
               path, 1);
  auto m = LoadOrDie(path);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->config().arch, Arch::kV6);
  const float d = MaxAbsDiff(LogitsOf(*m, PromptBytes()),
                             ReadF32(SharedPath("reference/official/logits-seed-6v0-3m-bf16.f32")));
  std::printf(
      "  llama.cpp-converted rwkv6 (bf16, rescale every layer) vs official: %.3g (limit "
      "1e-4)\n",
      d);
  EXPECT_LE(d, 1e-4f);
}

// llama.cpp's converter divides block N's time_mix_output and channel_mix_value by
// 2^(N / rescale_every_n_layers) (llama.cpp halves the residual instead); reading multiplies
// them back, so such a file gives the same logits as the unscaled one.
TEST(GgufRescale, RescaledLayersAreUndone) {
  REQUIRE_SHARED();
  auto m = LoadOrDie(SharedPath("models/mid/mid-rwkv-6v0-fp32.pth"));
  ASSERT_NE(m, nullptr);
  const std::string dir = testing::TempDir("gguf-rescale");
  ASSERT_TRUE(WriteGgufModel(dir + "/plain.gguf", *m, {}).ok());
  int edited = 0;
  Rewrite(dir + "/plain.gguf", dir + "/rescaled.gguf", {{"rwkv6.rescale_every_n_layers", 1}},
          [&](const std::string& name, std::vector<float>* v) {
            if (name.find("time_mix_output") == std::string::npos &&
                name.find("channel_mix_value") == std::string::npos) {
              return;
            }
            const int block = std::stoi(name.substr(4));
            for (float& x : *v) x /= static_cast<float>(1 << block);
            edited += block > 0;
          });
  EXPECT_EQ(edited, 4);  // blocks 1 and 2, two tensors each
  auto plain = LoadOrDie(dir + "/plain.gguf");
  auto rescaled = LoadOrDie(dir + "/rescaled.gguf");
  ASSERT_NE(plain, nullptr);
  ASSERT_NE(rescaled, nullptr);
  EXPECT_EQ(MaxAbsDiff(LogitsOf(*rescaled, MidIds()), LogitsOf(*plain, MidIds())), 0.0f);
}

// repr(b)[2:-1] as Python prints it (cases checked with python3).
TEST(GgufTokenizer, PythonBytesReprBodyMatchesPython) {
  EXPECT_EQ(PythonBytesReprBody("it's"), "it's");
  EXPECT_EQ(PythonBytesReprBody("'\""), "\\'\"");
  EXPECT_EQ(PythonBytesReprBody(std::string("\n\t\\\x00\xff", 5)), "\\n\\t\\\\\\x00\\xff");
  EXPECT_EQ(PythonBytesReprBody("\""), "\"");
  EXPECT_EQ(PythonBytesReprBody("a\rb"), "a\\rb");
  EXPECT_EQ(PythonBytesReprBody("\x7f ~"), "\\x7f ~");
}

std::vector<std::pair<std::string, std::vector<int32_t>>> WorldCases() {
  std::vector<std::pair<std::string, std::vector<int32_t>>> out;
  std::ifstream in(SharedPath("reference/tokenizers/world-cases.jsonl"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line);
    out.emplace_back(j["text"].get<std::string>(), j["ids"].get<std::vector<int32_t>>());
  }
  return out;
}

// The World vocabulary written into a GGUF file as llama.cpp's converter does, read back as the
// model's own tokenizer, encodes every reference case as the official tokenizer did.
TEST(GgufTokenizer, WorldVocabularyFromTheMetadataEncodesTheReferenceCases) {
  REQUIRE_SHARED();
  auto world = LoadWorldTokenizer(SharedPath("tokenizers/rwkv_vocab_v20230424.txt"));
  ASSERT_TRUE(world.ok()) << world.status().ToString();
  std::vector<std::string> tokens(static_cast<size_t>((*world)->vocab_size()));
  for (size_t id = 0; id < tokens.size(); ++id) {
    tokens[id] = (*world)->TokenBytes(static_cast<int32_t>(id));
  }
  RandomModelSpec spec;
  spec.n_layer = 1;
  spec.n_embd = 64;
  spec.n_vocab = 65536;
  auto store = MakeRandomModel(spec);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto model = Model::FromTensors(std::move(*store), "random");
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  const std::string path = testing::TempDir("gguf-tokenizer") + "/world.gguf";
  GgufWriteOptions options;
  options.world_tokens = tokens;
  ASSERT_TRUE(WriteGgufModel(path, **model, options).ok());

  auto f = ParseGgufFile(path);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  const GgufValue* texts = f->Find("tokenizer.ggml.tokens");
  const GgufValue* types = f->Find("tokenizer.ggml.token_type");
  ASSERT_NE(texts, nullptr);
  ASSERT_NE(types, nullptr);
  ASSERT_EQ(texts->items.size(), 65536u);
  EXPECT_EQ(f->Find("tokenizer.ggml.model")->s, "rwkv");
  EXPECT_EQ(texts->items[0].s, "<s>");  // control token, type 3
  EXPECT_EQ(types->items[0].i, 3);
  EXPECT_EQ(texts->items[1].s, "\\x00");  // vocabulary line 1: b'\x00'
  EXPECT_EQ(types->items[1].i, 1);
  EXPECT_EQ(texts->items[65535].s, "[PAD65535]");
  EXPECT_EQ(types->items[65535].i, 5);
  // llama.cpp's converter also sets "\n\n" (vocabulary line 261) as the end of a chat turn
  // and names its "rwkv-world" chat template.
  EXPECT_EQ(texts->items[261].s, "\\n\\n");
  ASSERT_NE(f->Find("tokenizer.ggml.eot_token_id"), nullptr);
  EXPECT_EQ(f->Find("tokenizer.ggml.eot_token_id")->type, GgufType::kUint32);
  EXPECT_EQ(f->Find("tokenizer.ggml.eot_token_id")->i, 261);
  ASSERT_NE(f->Find("tokenizer.chat_template"), nullptr);
  EXPECT_EQ(f->Find("tokenizer.chat_template")->s, "rwkv-world");

  auto loaded = LoadOrDie(path);
  ASSERT_NE(loaded, nullptr);
  auto from_gguf = LoadTokenizerForModel("auto", *loaded);
  ASSERT_TRUE(from_gguf.ok()) << from_gguf.status().ToString();
  EXPECT_EQ((*from_gguf)->name(), "gguf-world");
  const auto cases = WorldCases();
  ASSERT_GT(cases.size(), 10u);
  for (const auto& [text, ids] : cases) {
    EXPECT_EQ((*from_gguf)->Encode(text), ids) << text;
    EXPECT_EQ((*from_gguf)->Decode(ids), text);
  }
  // The file also serves as a tokenizer by itself (tokenize --tokenizer model.gguf).
  auto by_file = LoadTokenizer(path);
  ASSERT_TRUE(by_file.ok()) << by_file.status().ToString();
  EXPECT_EQ((*by_file)->Encode(cases[0].first), cases[0].second);
  // An explicit name still wins over the file's own tokenizer.
  auto named = LoadTokenizerForModel("bytes", *loaded);
  ASSERT_TRUE(named.ok());
  EXPECT_EQ((*named)->name(), "bytes");
}

// A byte-level model's 256 single-byte tokens come back as the byte tokenizer.
TEST(GgufTokenizer, ByteVocabularyComesBackAsTheByteTokenizer) {
  REQUIRE_SHARED();
  auto m = LoadOrDie(SharedPath("models/tiny/pth/tiny-rwkv-7v0-834K-fp32.pth"));
  ASSERT_NE(m, nullptr);
  std::vector<std::string> bytes(256);
  for (int i = 0; i < 256; ++i) bytes[i] = std::string(1, static_cast<char>(i));
  const std::string path = testing::TempDir("gguf-tokenizer") + "/bytes.gguf";
  GgufWriteOptions options;
  options.world_tokens = bytes;
  ASSERT_TRUE(WriteGgufModel(path, *m, options).ok());
  auto loaded = LoadOrDie(path);
  ASSERT_NE(loaded, nullptr);
  ASSERT_NE(loaded->tensors().tokenizer(), nullptr);
  EXPECT_EQ(loaded->tensors().tokenizer()->name(), "bytes");
}

// ---- Damaged files: clear errors naming the file and what was being read. ----

class GgufDamage : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::SharedDir().empty()) GTEST_SKIP() << "reference data not found";
    auto m = LoadOrDie(SharedPath("models/tiny/pth/tiny-rwkv-7v0-834K-bf16.pth"));
    ASSERT_NE(m, nullptr);
    dir_ = testing::TempDir("gguf-damage");
    ASSERT_TRUE(WriteGgufModel(dir_ + "/good.gguf", *m, {}).ok());
    bytes_ = testing::ReadFileBytes(dir_ + "/good.gguf");
    ASSERT_GT(bytes_.size(), 1000u);
  }
  // Loads `bytes` from a file and returns the error message ("" if it loaded).
  std::string LoadError(const std::string& bytes) {
    const std::string path = dir_ + "/bad.gguf";
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
    auto m = Model::Load(path);
    if (m.ok()) return "";
    EXPECT_NE(m.status().message().find(path), std::string::npos) << m.status().ToString();
    return m.status().message();
  }
  // Offset of the tensor info of `name` (at its name's length field).
  size_t InfoAt(const std::string& name) const {
    std::string needle(8, '\0');
    const uint64_t len = name.size();
    std::memcpy(&needle[0], &len, 8);
    needle += name;
    const size_t at = bytes_.find(needle);
    EXPECT_NE(at, std::string::npos) << name;
    return at;
  }
  std::string dir_, bytes_;
};

TEST_F(GgufDamage, TruncatedInsideTensorDataNamesTheTensor) {
  const std::string e = LoadError(bytes_.substr(0, bytes_.size() - 100));
  EXPECT_NE(e.find("tensor output.weight"), std::string::npos) << e;
  EXPECT_NE(e.find("truncated"), std::string::npos) << e;
}

TEST_F(GgufDamage, TruncatedInsideTheHeaderSaysWhatWasBeingRead) {
  // Inside the shape of the last tensor info (earlier cuts leave too few bytes for the tensor
  // count, which is refused before any info is read).
  const size_t at = InfoAt("output.weight");
  const std::string e = LoadError(bytes_.substr(0, at + 8 + 13 + 6));
  EXPECT_NE(e.find("truncated"), std::string::npos) << e;
  EXPECT_NE(e.find("tensor output.weight (shape)"), std::string::npos) << e;
  EXPECT_NE(LoadError(bytes_.substr(0, 3)), "");
  EXPECT_NE(LoadError(bytes_.substr(0, 10)).find("truncated"), std::string::npos);
}

TEST_F(GgufDamage, BadFieldsAreRefusedWithTheirNames) {
  std::string b = bytes_;
  b[4] = 7;  // version
  EXPECT_NE(LoadError(b).find("version 7"), std::string::npos);

  const size_t info = InfoAt("blk.0.time_mix_key.weight");
  const size_t after_name = info + 8 + std::strlen("blk.0.time_mix_key.weight");
  b = bytes_;
  b[after_name] = 9;  // n_dims
  std::string e = LoadError(b);
  EXPECT_NE(e.find("blk.0.time_mix_key.weight: 9 dimensions"), std::string::npos) << e;

  b = bytes_;
  const size_t type_at = after_name + 4 + 2 * 8;  // n_dims, ne[0], ne[1]
  b[type_at] = 12;                                // Q4_K
  e = LoadError(b);
  EXPECT_NE(e.find("blk.0.time_mix_key.weight has ggml type Q4_K"), std::string::npos) << e;

  b = bytes_;
  b[type_at + 4] = static_cast<char>(b[type_at + 4] + 1);  // offset no longer aligned
  e = LoadError(b);
  EXPECT_NE(e.find("not a multiple of the alignment"), std::string::npos) << e;

  b = bytes_;
  b[info + 7] = 0x40;  // the name's length: enormous
  e = LoadError(b);
  EXPECT_NE(e.find("runs past the end"), std::string::npos) << e;

  b = bytes_;
  b[8] = static_cast<char>(0xff);  // tensor count
  b[15] = 0x7f;
  e = LoadError(b);
  EXPECT_NE(e.find("cannot fit"), std::string::npos) << e;
}

TEST_F(GgufDamage, TruncationsAtManyLengthsAndByteFlipsFailCleanly) {
  int refused = 0;
  for (size_t cut = 0; cut + 32 < bytes_.size(); cut += 1 + cut / 8) {
    EXPECT_NE(LoadError(bytes_.substr(0, cut)), "") << "truncated at " << cut;
    ++refused;
  }
  uint32_t rng = 12345;
  const size_t header = InfoAt("output.weight") + 64;
  for (int i = 0; i < 300; ++i) {
    rng = rng * 1664525u + 1013904223u;
    std::string b = bytes_;
    b[(rng >> 8) % header] ^= static_cast<char>(1 + (rng >> 24) % 255);
    if (!LoadError(b).empty()) ++refused;  // either outcome, but never a crash
  }
  std::printf("  %d damaged copies refused cleanly\n", refused);
}

TEST(GgufFormat, OtherArchitecturesAreRefused) {
  GgufWriter w;
  w.AddString("general.architecture", "llama");
  const std::string path = testing::TempDir("gguf-arch") + "/llama.gguf";
  ASSERT_TRUE(w.Write(path).ok());
  auto m = Model::Load(path);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("architecture 'llama'"), std::string::npos)
      << m.status().ToString();
}

TEST(GgufFormat, EarlierArchitecturesCannotBeWritten) {
  REQUIRE_SHARED();
  auto m = LoadOrDie(SharedPath("models/tiny/pth/tiny-rwkv-4v0-660K-fp32.pth"));
  ASSERT_NE(m, nullptr);
  Status s = WriteGgufModel(testing::TempDir("gguf-arch") + "/v4.gguf", *m, {});
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("RWKV v4"), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace rwkv
