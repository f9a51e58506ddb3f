#include "rwkv/gguf_format.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>

#include "rwkv/gguf_file.h"
#include "rwkv/tokenizer.h"

namespace rwkv {

namespace {

// A llama.cpp per-block tensor name (without blk.N. and .weight/.bias) and the canonical name
// (without blocks.N.); `suffixed` canonical names keep the .weight/.bias ending.
struct Leaf {
  const char* gguf;
  const char* canonical;
  bool suffixed;
};

constexpr Leaf kCommonLeaves[] = {
    {"attn_norm", "ln1", true},
    {"attn_norm_2", "ln2", true},
    {"time_mix_key", "att.key", true},
    {"time_mix_value", "att.value", true},
    {"time_mix_receptance", "att.receptance", true},
    {"time_mix_output", "att.output", true},
    {"time_mix_gate", "att.gate", true},
    {"time_mix_ln", "att.ln_x", true},
    {"channel_mix_key", "ffn.key", true},
    {"channel_mix_value", "ffn.value", true},
    {"channel_mix_receptance", "ffn.receptance", true},
};

constexpr Leaf kV6Leaves[] = {
    {"time_mix_lerp_x", "att.time_maa_x", false},
    {"time_mix_lerp_w", "att.time_maa_w", false},
    {"time_mix_lerp_k", "att.time_maa_k", false},
    {"time_mix_lerp_v", "att.time_maa_v", false},
    {"time_mix_lerp_r", "att.time_maa_r", false},
    {"time_mix_lerp_g", "att.time_maa_g", false},
    {"time_mix_w1", "att.time_maa_w1", false},
    {"time_mix_w2", "att.time_maa_w2", false},
    {"time_mix_decay", "att.time_decay", false},
    {"time_mix_decay_w1", "att.time_decay_w1", false},
    {"time_mix_decay_w2", "att.time_decay_w2", false},
    {"time_mix_first", "att.time_faaaa", false},
    {"channel_mix_lerp_k", "ffn.time_maa_k", false},
    {"channel_mix_lerp_r", "ffn.time_maa_r", false},
};

constexpr Leaf kV7Leaves[] = {
    {"time_mix_w0", "att.w0", false},         {"time_mix_w1", "att.w1", false},
    {"time_mix_w2", "att.w2", false},         {"time_mix_a0", "att.a0", false},
    {"time_mix_a1", "att.a1", false},         {"time_mix_a2", "att.a2", false},
    {"time_mix_v0", "att.v0", false},         {"time_mix_v1", "att.v1", false},
    {"time_mix_v2", "att.v2", false},         {"time_mix_g1", "att.g1", false},
    {"time_mix_g2", "att.g2", false},         {"time_mix_k_k", "att.k_k", false},
    {"time_mix_k_a", "att.k_a", false},       {"time_mix_r_k", "att.r_k", false},
    {"channel_mix_lerp_k", "ffn.x_k", false},
};

// The v6 fused token-shift mixes, in llama.cpp's order.
constexpr const char* kV6FusedParts[] = {"att.time_maa_w", "att.time_maa_k", "att.time_maa_v",
                                         "att.time_maa_r", "att.time_maa_g"};

bool EndsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// A fresh 64-byte-aligned buffer.
std::shared_ptr<uint8_t> Allocate(size_t nbytes) {
  void* mem = std::aligned_alloc(64, (nbytes + 63) / 64 * 64 + 64);
  return std::shared_ptr<uint8_t>(static_cast<uint8_t*>(mem), std::free);
}

// A copy of `n` values of type `t` multiplied by 2^k, in the same type. Exact for every type:
// float values change only their exponent; ggml blocks x = q * d (+ m) scale d (and m).
std::shared_ptr<uint8_t> ScaledByPowerOfTwo(const uint8_t* src, DType t, int64_t n, size_t nbytes,
                                            int k) {
  auto out = Allocate(nbytes);
  uint8_t* dst = out.get();
  std::memcpy(dst, src, nbytes);
  auto scale_half = [k](uint8_t* p) {
    uint16_t h;
    std::memcpy(&h, p, 2);
    h = FloatToHalf(std::ldexp(HalfToFloat(h), k));
    std::memcpy(p, &h, 2);
  };
  switch (t) {
    case DType::kF32:
      for (int64_t i = 0; i < n; ++i) {
        float f;
        std::memcpy(&f, dst + 4 * i, 4);
        f = std::ldexp(f, k);
        std::memcpy(dst + 4 * i, &f, 4);
      }
      break;
    case DType::kF16:
      for (int64_t i = 0; i < n; ++i) scale_half(dst + 2 * i);
      break;
    case DType::kBF16:
      for (int64_t i = 0; i < n; ++i) {
        uint16_t b;
        std::memcpy(&b, dst + 2 * i, 2);
        b = FloatToBFloat16(std::ldexp(BFloat16ToFloat(b), k));
        std::memcpy(dst + 2 * i, &b, 2);
      }
      break;
    default: {  // ggml blocks: f16 d first; Q4_1/Q5_1 then f16 m
      const bool has_min = t == DType::kQ4_1 || t == DType::kQ5_1;
      const size_t bb = static_cast<size_t>(DTypeBlockBytes(t));
      for (size_t b = 0; b + bb <= nbytes; b += bb) {
        scale_half(dst + b);
        if (has_min) scale_half(dst + b + 2);
      }
    }
  }
  return out;
}

StatusOr<int64_t> RequireUint(const GgufFile& f, const std::string& key) {
  const GgufValue* v = f.Find(key);
  if (v == nullptr) return Status::NotFound(f.path + ": missing metadata " + key);
  if (!v->IsInteger() || v->i <= 0 || v->i > (int64_t{1} << 31)) {
    return Status::Corruption(f.path + ": metadata " + key + " must be a positive integer, not " +
                              v->ToString());
  }
  return v->i;
}

// The tokenizer stored as tokenizer.ggml.model "rwkv"; null for other tokenizer models.
StatusOr<std::unique_ptr<Tokenizer>> TokenizerFromMetadata(const GgufFile& f) {
  const GgufValue* model = f.Find("tokenizer.ggml.model");
  if (model == nullptr || model->type != GgufType::kString || model->s != "rwkv") {
    return std::unique_ptr<Tokenizer>();
  }
  const GgufValue* tokens = f.Find("tokenizer.ggml.tokens");
  if (tokens == nullptr || tokens->type != GgufType::kArray ||
      tokens->element_type != GgufType::kString) {
    return Status::Corruption(f.path + ": tokenizer.ggml.tokens must be an array of strings");
  }
  const GgufValue* types = f.Find("tokenizer.ggml.token_type");
  if (types != nullptr &&
      (types->type != GgufType::kArray || types->items.size() != tokens->items.size() ||
       (types->element_type != GgufType::kInt32 && types->element_type != GgufType::kUint32))) {
    return Status::Corruption(f.path +
                              ": tokenizer.ggml.token_type must be an integer array as "
                              "long as tokenizer.ggml.tokens");
  }
  constexpr int64_t kNormal = 1;
  std::vector<std::string> escaped(tokens->items.size());
  for (size_t id = 0; id < escaped.size(); ++id) {
    const std::string& text = tokens->items[id].s;
    const bool normal = types ? types->items[id].i == kNormal : !(id == 0 && text == "<s>");
    if (normal) escaped[id] = text;
  }
  auto world = MakeWorldTokenizerFromEscaped(escaped, "gguf-world");
  if (!world.ok()) return world.status().WithContext(f.path + ": tokenizer.ggml.tokens");
  std::unique_ptr<Tokenizer> t = std::move(*world);
  bool bytes = t->vocab_size() == 256;
  for (int id = 0; bytes && id < 256; ++id) {
    bytes = t->TokenBytes(id) == std::string(1, static_cast<char>(id));
  }
  if (bytes) t = MakeByteTokenizer();
  return t;
}

}  // namespace

StatusOr<TensorStore> ReadGgufFile(const std::string& path) {
  ASSIGN_OR_RETURN(GgufFile f, ParseGgufFile(path));
  const GgufValue* arch_value = f.Find("general.architecture");
  if (arch_value == nullptr || arch_value->type != GgufType::kString) {
    return Status::Corruption(path + ": missing metadata general.architecture");
  }
  const std::string arch = arch_value->s;
  if (arch != "rwkv6" && arch != "rwkv7") {
    return Status::Unsupported(path + ": GGUF architecture '" + arch +
                               "' is not supported (supported: rwkv6, rwkv7)");
  }
  const bool v7 = arch == "rwkv7";
  ASSIGN_OR_RETURN(const int64_t n_embd, RequireUint(f, arch + ".embedding_length"));
  ASSIGN_OR_RETURN(const int64_t head_size, RequireUint(f, arch + ".wkv.head_size"));
  if (n_embd % head_size != 0) {
    return Status::Corruption(path + ": head size " + std::to_string(head_size) +
                              " does not divide the embedding size " + std::to_string(n_embd));
  }
  int64_t rescale_every = 0;
  if (const GgufValue* r = f.Find(arch + ".rescale_every_n_layers"); r && r->IsInteger()) {
    rescale_every = r->i;
  }
  std::map<std::string, const Leaf*> leaves;
  for (const Leaf& l : kCommonLeaves) leaves[l.gguf] = &l;
  if (v7) {
    for (const Leaf& l : kV7Leaves) leaves[l.gguf] = &l;
  } else {
    for (const Leaf& l : kV6Leaves) leaves[l.gguf] = &l;
  }

  TensorStore store;
  for (const GgufTensorInfo& t : f.tensors) {
    const std::string named = path + ": tensor " + t.name;
    const std::string suffix = EndsWith(t.name, ".weight") ? ".weight"
                               : EndsWith(t.name, ".bias") ? ".bias"
                                                           : "";
    if (suffix.empty()) return Status::Unsupported(named + ": not part of llama.cpp's " + arch);
    const std::string base = t.name.substr(0, t.name.size() - suffix.size());
    std::vector<int64_t> shape = t.TorchShape();
    auto add = [&](const std::string& name, std::vector<int64_t> s, const uint8_t* data,
                   size_t nbytes, std::shared_ptr<const void> backing) -> Status {
      Status st = store.AddBorrowed(name, t.dtype, std::move(s), data, nbytes, std::move(backing));
      return st.WithContext(path);
    };
    if (base == "token_embd" || base == "output") {
      RETURN_IF_ERROR(
          add(base == "output" ? "head.weight" : "emb.weight", shape, t.data, t.nbytes, f.backing));
      continue;
    }
    if (base == "token_embd_norm" || base == "output_norm") {
      const std::string to = base == "output_norm" ? "ln_out" : "blocks.0.ln0";
      RETURN_IF_ERROR(add(to + suffix, shape, t.data, t.nbytes, f.backing));
      continue;
    }
    // blk.N.leaf
    if (base.compare(0, 4, "blk.") != 0) {
      return Status::Unsupported(named + ": not part of llama.cpp's " + arch);
    }
    const size_t dot = base.find('.', 4);
    const std::string index = base.substr(4, dot == std::string::npos ? 0 : dot - 4);
    if (dot == std::string::npos || index.empty() || index.size() > 6 ||
        index.find_first_not_of("0123456789") != std::string::npos) {
      return Status::Unsupported(named + ": not part of llama.cpp's " + arch);
    }
    const int block = std::atoi(index.c_str());
    const std::string leaf = base.substr(dot + 1);
    const std::string prefix = "blocks." + std::to_string(block) + ".";
    int64_t numel = 1;
    for (int64_t d : shape) numel *= d;
    if (leaf == "time_mix_lerp_fused") {
      const int64_t parts = v7 ? 6 : 5;
      if (numel != parts * n_embd) {
        return Status::Corruption(
            named + ": " + std::to_string(numel) + " values, expected " + std::to_string(parts) +
            " x " + std::to_string(n_embd) +
            (v7 && numel == 5 * n_embd ? " (RWKV-7 without a gate is not supported)" : ""));
      }
      if (IsQuantized(t.dtype)) {
        return Status::Unsupported(named + " is " + DTypeName(t.dtype) +
                                   "; token-shift mixes must be a float type");
      }
      if (v7) {
        RETURN_IF_ERROR(add(prefix + "att.x_rwkvag", {6, n_embd}, t.data, t.nbytes, f.backing));
      } else {
        const size_t part_bytes = static_cast<size_t>(n_embd) * DTypeBlockBytes(t.dtype);
        for (int j = 0; j < 5; ++j) {
          RETURN_IF_ERROR(add(prefix + kV6FusedParts[j], {n_embd}, t.data + part_bytes * j,
                              part_bytes, f.backing));
        }
      }
      continue;
    }
    auto it = leaves.find(leaf);
    if (it == leaves.end()) return Status::Unsupported(named + ": not part of llama.cpp's " + arch);
    const Leaf& l = *it->second;
    if (v7 && block == 0 &&
        (leaf == "time_mix_v0" || leaf == "time_mix_v1" || leaf == "time_mix_v2")) {
      continue;  // placeholders: the first block has no value residual
    }
    const std::string to = prefix + l.canonical + (l.suffixed ? suffix : "");
    if (leaf == "time_mix_r_k" || leaf == "time_mix_first") {
      if (numel != n_embd) {
        return Status::Corruption(named + ": " + std::to_string(numel) + " values, expected " +
                                  std::to_string(n_embd));
      }
      shape = {n_embd / head_size, head_size};  // [H, N]: the model counts heads by it
    }
    const bool rescaled = !v7 && rescale_every > 0 && block / rescale_every > 0 &&
                          (leaf == "time_mix_output" || leaf == "channel_mix_value");
    if (rescaled) {
      auto buf = ScaledByPowerOfTwo(t.data, t.dtype, numel, t.nbytes,
                                    static_cast<int>(block / rescale_every));
      const uint8_t* p = buf.get();
      RETURN_IF_ERROR(add(to, shape, p, t.nbytes, std::move(buf)));
    } else {
      RETURN_IF_ERROR(add(to, shape, t.data, t.nbytes, f.backing));
    }
  }
  for (const auto& [key, value] : f.metadata) store.metadata()[key] = value.ToString();
  ASSIGN_OR_RETURN(std::unique_ptr<Tokenizer> tokenizer, TokenizerFromMetadata(f));
  store.set_tokenizer(std::shared_ptr<const Tokenizer>(std::move(tokenizer)));
  return store;
}

StatusOr<std::unique_ptr<Tokenizer>> ReadGgufTokenizer(const std::string& path) {
  ASSIGN_OR_RETURN(GgufFile f, ParseGgufFile(path));
  ASSIGN_OR_RETURN(std::unique_ptr<Tokenizer> tokenizer, TokenizerFromMetadata(f));
  if (!tokenizer) {
    return Status::NotFound(path +
                            ": the GGUF file holds no rwkv tokenizer (tokenizer.ggml.model)");
  }
  return tokenizer;
}

namespace {

// Adds the model's parameters to a GgufWriter in llama.cpp's shapes (ne: ggml order).
class TensorAdder {
 public:
  explicit TensorAdder(GgufWriter* w) : w_(w) {}

  // A float vector as F32.
  Status Vector(const std::string& name, const Vec& v, const std::vector<int64_t>& ne) {
    return w_->AddTensor(name, DType::kF32, ne, v.data(), v.size() * 4);
  }
  // Several vectors of equal length stacked, as F32.
  Status Stacked(const std::string& name, const std::vector<const Vec*>& vs,
                 const std::vector<int64_t>& ne) {
    Vec all;
    for (const Vec* v : vs) all.insert(all.end(), v->begin(), v->end());
    return Vector(name, all, ne);
  }
  // A matrix in its stored type, ne {cols, rows}.
  Status Native(const std::string& name, const Matrix& m) {
    return w_->AddTensor(name, m.dtype, {m.cols, m.rows}, m.data,
                         m.row_bytes * static_cast<size_t>(m.rows));
  }
  // Matrices stacked (outermost) and converted to F32.
  Status AsF32(const std::string& name, const std::vector<const Matrix*>& ms,
               const std::vector<int64_t>& ne) {
    std::vector<float> all;
    for (const Matrix* m : ms) {
      const size_t at = all.size();
      all.resize(at + static_cast<size_t>(m->rows) * m->cols);
      for (int r = 0; r < m->rows; ++r) {
        DequantizeRow(m->dtype, m->Row(r), all.data() + at + static_cast<size_t>(r) * m->cols,
                      m->cols);
      }
    }
    return w_->AddTensor(name, DType::kF32, ne, all.data(), all.size() * 4);
  }
  Status LowRank(const std::string& name, const Matrix& m) {
    return AsF32(name, {&m}, {m.cols, m.rows});
  }

 private:
  GgufWriter* w_;
};

// llama.cpp's general.file_type (enum llama_ftype) for the type of the large matrices.
uint32_t LlamaFileType(DType t) {
  switch (t) {
    case DType::kF32:
      return 0;
    case DType::kF16:
      return 1;
    case DType::kQ4_0:
      return 2;
    case DType::kQ4_1:
      return 3;
    case DType::kQ8_0:
      return 7;
    case DType::kQ5_0:
      return 8;
    case DType::kQ5_1:
      return 9;
    case DType::kBF16:
      return 32;
  }
  return 0;
}

void AddTokenizer(GgufWriter* w, const std::vector<std::string>& world_tokens, int n_vocab) {
  constexpr int32_t kNormal = 1, kControl = 3, kUnused = 5;
  std::vector<std::string> texts(static_cast<size_t>(n_vocab));
  std::vector<int32_t> types(static_cast<size_t>(n_vocab));
  for (int id = 0; id < n_vocab; ++id) {
    const size_t i = static_cast<size_t>(id);
    if (i < world_tokens.size() && !world_tokens[i].empty()) {
      texts[i] = PythonBytesReprBody(world_tokens[i]);
      types[i] = kNormal;
    } else if (id == 0) {
      texts[i] = "<s>";
      types[i] = kControl;
    } else {
      texts[i] = "[PAD" + std::to_string(id) + "]";
      types[i] = kUnused;
    }
  }
  w->AddString("tokenizer.ggml.model", "rwkv");
  w->AddStringArray("tokenizer.ggml.tokens", texts);
  w->AddInt32Array("tokenizer.ggml.token_type", types);
  // As llama.cpp's converter marks the World vocabulary: "\n\n" (id 261) ends a chat turn, and
  // its built-in "rwkv-world" chat template applies.
  constexpr size_t kDoubleNewline = 261;
  if (world_tokens.size() > kDoubleNewline && world_tokens[kDoubleNewline] == "\n\n") {
    w->AddUint32("tokenizer.ggml.eot_token_id", static_cast<uint32_t>(kDoubleNewline));
    w->AddString("tokenizer.chat_template", "rwkv-world");
  }
}

Status AddLayer(TensorAdder* a, const ModelConfig& c, const LayerWeights& L, int i) {
  const std::string p = "blk." + std::to_string(i) + ".";
  const int64_t C = c.n_embd;
  RETURN_IF_ERROR(a->Vector(p + "attn_norm.weight", L.ln1_w, {C}));
  RETURN_IF_ERROR(a->Vector(p + "attn_norm.bias", L.ln1_b, {C}));
  RETURN_IF_ERROR(a->Vector(p + "attn_norm_2.weight", L.ln2_w, {C}));
  RETURN_IF_ERROR(a->Vector(p + "attn_norm_2.bias", L.ln2_b, {C}));
  RETURN_IF_ERROR(a->Native(p + "time_mix_key.weight", L.att_k));
  RETURN_IF_ERROR(a->Native(p + "time_mix_value.weight", L.att_v));
  RETURN_IF_ERROR(a->Native(p + "time_mix_receptance.weight", L.att_r));
  RETURN_IF_ERROR(a->Native(p + "time_mix_output.weight", L.att_o));
  RETURN_IF_ERROR(a->Vector(p + "time_mix_ln.weight", L.ln_x_w, {C}));
  RETURN_IF_ERROR(a->Vector(p + "time_mix_ln.bias", L.ln_x_b, {C}));
  RETURN_IF_ERROR(a->Native(p + "channel_mix_key.weight", L.ffn_k));
  RETURN_IF_ERROR(a->Native(p + "channel_mix_value.weight", L.ffn_v));
  RETURN_IF_ERROR(a->Vector(p + "channel_mix_lerp_k.weight", L.ffn_mix_k, {C, 1, 1}));
  if (c.arch == Arch::kV6) {
    RETURN_IF_ERROR(a->Native(p + "time_mix_gate.weight", L.att_g));
    RETURN_IF_ERROR(a->Native(p + "channel_mix_receptance.weight", L.ffn_r));
    RETURN_IF_ERROR(a->Vector(p + "channel_mix_lerp_r.weight", L.ffn_mix_r, {C, 1, 1}));
    RETURN_IF_ERROR(a->Vector(p + "time_mix_lerp_x.weight", L.maa_x, {C, 1, 1}));
    RETURN_IF_ERROR(a->Stacked(p + "time_mix_lerp_fused.weight",
                               {&L.maa_w, &L.maa_k, &L.maa_v, &L.maa_r, &L.maa_g}, {C, 1, 1, 5}));
    RETURN_IF_ERROR(a->AsF32(p + "time_mix_w1.weight", {&L.maa_w1}, {C, 5 * c.maa_lora}));
    RETURN_IF_ERROR(a->AsF32(p + "time_mix_w2.weight",
                             {&L.maa_w2[0], &L.maa_w2[1], &L.maa_w2[2], &L.maa_w2[3], &L.maa_w2[4]},
                             {c.maa_lora, C, 5}));
    RETURN_IF_ERROR(a->Vector(p + "time_mix_decay.weight", L.time_decay, {C}));
    RETURN_IF_ERROR(a->LowRank(p + "time_mix_decay_w1.weight", L.decay_w1));
    RETURN_IF_ERROR(a->LowRank(p + "time_mix_decay_w2.weight", L.decay_w2));
    return a->Vector(p + "time_mix_first.weight", L.time_first, {c.head_size, c.n_head});
  }
  RETURN_IF_ERROR(a->Stacked(p + "time_mix_lerp_fused.weight",
                             {&L.x_r, &L.x_w, &L.x_k, &L.x_v, &L.x_a, &L.x_g}, {C, 1, 1, 6}));
  RETURN_IF_ERROR(a->Vector(p + "time_mix_w0.weight", L.w0, {C}));
  RETURN_IF_ERROR(a->LowRank(p + "time_mix_w1.weight", L.w1));
  RETURN_IF_ERROR(a->LowRank(p + "time_mix_w2.weight", L.w2));
  RETURN_IF_ERROR(a->Vector(p + "time_mix_a0.weight", L.a0, {C}));
  RETURN_IF_ERROR(a->LowRank(p + "time_mix_a1.weight", L.a1));
  RETURN_IF_ERROR(a->LowRank(p + "time_mix_a2.weight", L.a2));
  // llama.cpp wants v0/v1/v2 in the first block too, shaped like a0/a1/a2 (unused there).
  const bool first = i == 0;
  RETURN_IF_ERROR(a->Vector(p + "time_mix_v0.weight", first ? L.a0 : L.v0, {C}));
  RETURN_IF_ERROR(a->LowRank(p + "time_mix_v1.weight", first ? L.a1 : L.v1));
  RETURN_IF_ERROR(a->LowRank(p + "time_mix_v2.weight", first ? L.a2 : L.v2));
  RETURN_IF_ERROR(a->LowRank(p + "time_mix_g1.weight", L.g1));
  RETURN_IF_ERROR(a->LowRank(p + "time_mix_g2.weight", L.g2));
  RETURN_IF_ERROR(a->Vector(p + "time_mix_k_k.weight", L.k_k, {C}));
  RETURN_IF_ERROR(a->Vector(p + "time_mix_k_a.weight", L.k_a, {C}));
  return a->Vector(p + "time_mix_r_k.weight", L.r_k, {C});
}

}  // namespace

Status WriteGgufModel(const std::string& path, const Model& model,
                      const GgufWriteOptions& options) {
  const ModelConfig& c = model.config();
  if (c.arch != Arch::kV6 && c.arch != Arch::kV7) {
    return Status::Unsupported(path + ": llama.cpp's GGUF has no architecture for RWKV " +
                               ArchName(c.arch) + " (only rwkv6 and rwkv7)");
  }
  if (c.has_time_state) {
    return Status::Unsupported(path + ": a state-tuned model (att.time_state) has no GGUF form");
  }
  if (options.world_tokens.size() > static_cast<size_t>(c.n_vocab)) {
    return Status::InvalidArgument(path + ": the tokenizer has " +
                                   std::to_string(options.world_tokens.size()) +
                                   " tokens but the model only " + std::to_string(c.n_vocab));
  }
  const bool v7 = c.arch == Arch::kV7;
  const std::string arch = v7 ? "rwkv7" : "rwkv6";
  GgufWriter w;
  w.AddString("general.architecture", arch);
  if (!options.name.empty()) w.AddString("general.name", options.name);
  w.AddUint32("general.file_type", LlamaFileType(model.head().dtype));
  w.AddUint32(arch + ".context_length", 1048576);  // RWKV has no context limit
  w.AddUint32(arch + ".embedding_length", static_cast<uint32_t>(c.n_embd));
  w.AddUint32(arch + ".block_count", static_cast<uint32_t>(c.n_layer));
  w.AddUint32(arch + ".feed_forward_length", static_cast<uint32_t>(c.n_ffn));
  w.AddUint32(arch + ".attention.head_count", 0);  // required by llama.cpp, unused
  w.AddFloat32(arch + ".attention.layer_norm_epsilon", 1e-5f);
  w.AddUint32(arch + ".wkv.head_size", static_cast<uint32_t>(c.head_size));
  if (v7) {
    w.AddUint32(arch + ".attention.decay_lora_rank", static_cast<uint32_t>(c.w_lora));
    w.AddUint32(arch + ".attention.iclr_lora_rank", static_cast<uint32_t>(c.a_lora));
    w.AddUint32(arch + ".attention.value_residual_mix_lora_rank",
                static_cast<uint32_t>(c.v_lora > 0 ? c.v_lora : c.a_lora));
    w.AddUint32(arch + ".attention.gate_lora_rank", static_cast<uint32_t>(c.g_lora));
  } else {
    w.AddUint32(arch + ".time_mix_extra_dim", static_cast<uint32_t>(c.maa_lora));
    w.AddUint32(arch + ".time_decay_extra_dim", static_cast<uint32_t>(c.decay_lora));
    w.AddUint32(arch + ".rescale_every_n_layers", 0);
  }
  if (!options.world_tokens.empty()) AddTokenizer(&w, options.world_tokens, c.n_vocab);

  TensorAdder a(&w);
  const int64_t C = c.n_embd;
  Status s = a.Native("token_embd.weight", model.emb());
  if (s.ok()) s = a.Vector("token_embd_norm.weight", model.ln0_w(), {C});
  if (s.ok()) s = a.Vector("token_embd_norm.bias", model.ln0_b(), {C});
  for (int i = 0; s.ok() && i < c.n_layer; ++i) {
    s = AddLayer(&a, c, model.layers()[static_cast<size_t>(i)], i);
  }
  if (s.ok()) s = a.Vector("output_norm.weight", model.ln_out_w(), {C});
  if (s.ok()) s = a.Vector("output_norm.bias", model.ln_out_b(), {C});
  if (s.ok()) s = a.Native("output.weight", model.head());
  if (!s.ok()) return s.WithContext(path);
  return w.Write(path);
}

std::string PythonBytesReprBody(std::string_view bytes) {
  const bool has_single = bytes.find('\'') != std::string_view::npos;
  const bool has_double = bytes.find('"') != std::string_view::npos;
  const char quote = has_single && !has_double ? '"' : '\'';
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (char ch : bytes) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c == static_cast<unsigned char>(quote) || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c >= 0x7f) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += ch;
    }
  }
  return out;
}

}  // namespace rwkv
