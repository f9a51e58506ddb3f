#include "rwkv/model.h"

#include <cstdint>
#include <cstring>
#include <sstream>

#include "rwkv/bin_format.h"
#include "model_readers.h"

namespace rwkv {

const char* ArchName(Arch a) {
  switch (a) {
    case Arch::kV4: return "v4";
    case Arch::kV5_0: return "v5.0";
    case Arch::kV5_1: return "v5.1";
    case Arch::kV5_2: return "v5.2";
    case Arch::kV6: return "v6";
    case Arch::kV7: return "v7";
  }
  return "?";
}

namespace {

// Whether every value is exactly a bfloat16 (its low 16 bits are zero).
bool HoldsBf16Values(const Vec& v) {
  for (float x : v) {
    uint32_t bits;
    std::memcpy(&bits, &x, 4);
    if ((bits & 0xffffu) != 0) return false;
  }
  return true;
}

// Fetches tensors by name with shape checks; every error names the source and the tensor.
class Fetcher {
 public:
  Fetcher(const TensorStore& s, const std::string& source) : s_(s), source_(source) {}

  StatusOr<const Tensor*> Get(const std::string& name) const {
    const Tensor* t = s_.Find(name);
    if (!t) return Status::NotFound(source_ + ": missing tensor " + name);
    return t;
  }

  // A float vector of exactly `n` values (any shape), converted to FP32.
  Status Vector(const std::string& name, int64_t n, Vec* out) const {
    ASSIGN_OR_RETURN(const Tensor* t, Get(name));
    if (t->numel() != n) return ShapeError(*t, std::to_string(n) + " values");
    if (IsQuantized(t->dtype)) {
      return Status::Unsupported(source_ + ": tensor " + name + " is " + DTypeName(t->dtype) +
                                 "; only float types are supported for vectors");
    }
    out->resize(static_cast<size_t>(n));
    DequantizeRow(t->dtype, t->data, out->data(), n);
    return Status::Ok();
  }

  // A vector of either `per_head` values (repeated `repeat` times each) or `full` values.
  Status Expanded(const std::string& name, int64_t per_head, int64_t repeat, Vec* out) const {
    ASSIGN_OR_RETURN(const Tensor* t, Get(name));
    const int64_t full = per_head * repeat;
    if (t->numel() == full) return Vector(name, full, out);
    Vec small;
    RETURN_IF_ERROR(Vector(name, per_head, &small));
    out->resize(static_cast<size_t>(full));
    for (int64_t i = 0; i < full; ++i) (*out)[i] = small[i / repeat];
    return Status::Ok();
  }

  // A [rows, cols] matrix (or `count` stacked ones at index `index`).
  Status Mat(const std::string& name, int rows, int cols, Matrix* out, int count = 1,
             int index = 0) const {
    ASSIGN_OR_RETURN(const Tensor* t, Get(name));
    const int64_t want = static_cast<int64_t>(rows) * cols * count;
    const int dims = count == 1 ? 2 : 3;
    bool ok = t->numel() == want && static_cast<int>(t->shape.size()) == dims &&
              t->shape.back() == cols;
    if (!ok) {
      std::string expect = "[" + (count > 1 ? std::to_string(count) + ", " : std::string()) +
                           std::to_string(rows) + ", " + std::to_string(cols) + "]";
      return ShapeError(*t, expect);
    }
    if (cols % DTypeBlockValues(t->dtype) != 0) {
      return Status::Corruption(source_ + ": tensor " + name + ": rows of " +
                                std::to_string(cols) + " values do not fill whole " +
                                DTypeName(t->dtype) + " blocks");
    }
    out->dtype = t->dtype;
    out->rows = rows;
    out->cols = cols;
    out->row_bytes = DTypeBytes(t->dtype, cols);
    out->data = t->data + out->row_bytes * static_cast<size_t>(rows) * index;
    return Status::Ok();
  }

  Status ShapeError(const Tensor& t, const std::string& expect) const {
    return Status::Corruption(source_ + ": tensor " + t.name + " has shape " + t.ShapeString() +
                              ", expected " + expect);
  }

 private:
  const TensorStore& s_;
  const std::string& source_;
};

uint64_t HashStore(const TensorStore& s) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a over 8-byte words
  auto mix = [&h](uint64_t v) {
    h ^= v;
    h *= 1099511628211ull;
  };
  for (const auto& [name, t] : s.tensors()) {
    for (char c : name) mix(static_cast<uint8_t>(c));
    mix(static_cast<uint64_t>(t.dtype));
    for (int64_t d : t.shape) mix(static_cast<uint64_t>(d));
    size_t i = 0;
    for (; i + 8 <= t.nbytes; i += 8) {
      uint64_t w;
      std::memcpy(&w, t.data + i, 8);
      mix(w);
    }
    for (; i < t.nbytes; ++i) mix(t.data[i]);
  }
  return h;
}

}  // namespace

StatusOr<std::shared_ptr<const Model>> Model::Load(const std::string& path) {
  ASSIGN_OR_RETURN(TensorStore store, ReadModelFile(path));
  return FromTensors(std::move(store), path);
}

StatusOr<std::shared_ptr<const Model>> Model::FromTensors(TensorStore store,
                                                          const std::string& source) {
  std::shared_ptr<Model> m(new Model());
  m->store_ = std::move(store);
  RETURN_IF_ERROR(m->Build(source));
  return std::shared_ptr<const Model>(std::move(m));
}

Status Model::Build(const std::string& source) {
  source_ = source;
  const TensorStore& s = store_;
  Fetcher f(s, source_);
  ModelConfig& c = config_;

  // Shape of the whole model from the embedding and the block count.
  ASSIGN_OR_RETURN(const Tensor* emb, f.Get("emb.weight"));
  if (emb->shape.size() != 2) return f.ShapeError(*emb, "[n_vocab, n_embd]");
  c.n_vocab = static_cast<int>(emb->shape[0]);
  c.n_embd = static_cast<int>(emb->shape[1]);
  while (s.Has("blocks." + std::to_string(c.n_layer) + ".ln1.weight")) ++c.n_layer;
  if (c.n_layer == 0) return Status::NotFound(source_ + ": missing tensor blocks.0.ln1.weight");
  const int C = c.n_embd;

  // Architecture from names and shapes.
  auto has = [&](const std::string& n) { return s.Has("blocks.0." + n); };
  if (has("att.r_k")) {
    c.arch = Arch::kV7;
  } else if (has("att.time_maa_x")) {
    c.arch = Arch::kV6;
  } else if (has("att.ln_x.weight")) {
    if (!has("att.gate.weight")) {
      c.arch = Arch::kV5_0;
    } else {
      ASSIGN_OR_RETURN(const Tensor* td, f.Get("blocks.0.att.time_decay"));
      c.arch = td->numel() > td->shape[0] ? Arch::kV5_2 : Arch::kV5_1;
    }
  } else {
    c.arch = Arch::kV4;
  }

  // Heads.
  if (c.arch == Arch::kV4) {
    c.n_head = 1;
  } else {
    const char* head_tensor = c.arch == Arch::kV7   ? "blocks.0.att.r_k"
                              : c.arch == Arch::kV6 ? "blocks.0.att.time_faaaa"
                                                    : "blocks.0.att.time_decay";
    ASSIGN_OR_RETURN(const Tensor* t, f.Get(head_tensor));
    // The first dimension counts the heads ([H], [H, N] or [H, N, 1]).
    c.n_head = static_cast<int>(t->shape[0]);
    if (c.arch == Arch::kV7 || c.arch == Arch::kV6 || c.arch == Arch::kV5_2) {
      // These tensors are [H, N]-shaped (possibly padded with 1s); H * N == C.
      if (t->numel() != C) return f.ShapeError(*t, std::to_string(C) + " values");
    }
  }
  if (c.n_head <= 0 || C % c.n_head != 0) {
    return Status::Corruption(source_ + ": " + std::to_string(c.n_head) +
                              " heads do not divide the embedding size " + std::to_string(C));
  }
  c.head_size = C / c.n_head;
  const int H = c.n_head, N = c.head_size;

  ASSIGN_OR_RETURN(const Tensor* fk, f.Get("blocks.0.ffn.key.weight"));
  if (fk->shape.size() != 2) return f.ShapeError(*fk, "[n_ffn, n_embd]");
  c.n_ffn = static_cast<int>(fk->shape[0]);
  if (c.arch == Arch::kV6) {
    ASSIGN_OR_RETURN(const Tensor* t, f.Get("blocks.0.att.time_maa_w1"));
    c.maa_lora = static_cast<int>(t->numel() / C / 5);
    ASSIGN_OR_RETURN(const Tensor* t2, f.Get("blocks.0.att.time_decay_w1"));
    c.decay_lora = static_cast<int>(t2->numel() / C);
  }
  if (c.arch == Arch::kV7) {
    auto rank = [&](const std::string& n, int* out) -> Status {
      ASSIGN_OR_RETURN(const Tensor* t, f.Get(n));
      *out = static_cast<int>(t->numel() / C);
      return Status::Ok();
    };
    RETURN_IF_ERROR(rank("blocks.0.att.w1", &c.w_lora));
    RETURN_IF_ERROR(rank("blocks.0.att.a1", &c.a_lora));
    RETURN_IF_ERROR(rank("blocks.0.att.g1", &c.g_lora));
    if (c.n_layer > 1) RETURN_IF_ERROR(rank("blocks.1.att.v1", &c.v_lora));
  }

  RETURN_IF_ERROR(f.Mat("emb.weight", c.n_vocab, C, &emb_));
  RETURN_IF_ERROR(f.Mat("head.weight", c.n_vocab, C, &head_));
  RETURN_IF_ERROR(f.Vector("blocks.0.ln0.weight", C, &ln0_w_));
  RETURN_IF_ERROR(f.Vector("blocks.0.ln0.bias", C, &ln0_b_));
  c.ln0_in_bf16 = c.arch != Arch::kV7 && emb_.dtype == DType::kBF16 && HoldsBf16Values(ln0_w_) &&
                  HoldsBf16Values(ln0_b_);
  RETURN_IF_ERROR(f.Vector("ln_out.weight", C, &ln_out_w_));
  RETURN_IF_ERROR(f.Vector("ln_out.bias", C, &ln_out_b_));

  layers_.resize(static_cast<size_t>(c.n_layer));
  for (int i = 0; i < c.n_layer; ++i) {
    LayerWeights& L = layers_[static_cast<size_t>(i)];
    const std::string p = "blocks." + std::to_string(i) + ".";
    const std::string a = p + "att.", m = p + "ffn.";
    RETURN_IF_ERROR(f.Vector(p + "ln1.weight", C, &L.ln1_w));
    RETURN_IF_ERROR(f.Vector(p + "ln1.bias", C, &L.ln1_b));
    RETURN_IF_ERROR(f.Vector(p + "ln2.weight", C, &L.ln2_w));
    RETURN_IF_ERROR(f.Vector(p + "ln2.bias", C, &L.ln2_b));
    RETURN_IF_ERROR(f.Mat(a + "receptance.weight", C, C, &L.att_r));
    RETURN_IF_ERROR(f.Mat(a + "key.weight", C, C, &L.att_k));
    RETURN_IF_ERROR(f.Mat(a + "value.weight", C, C, &L.att_v));
    RETURN_IF_ERROR(f.Mat(a + "output.weight", C, C, &L.att_o));
    RETURN_IF_ERROR(f.Mat(m + "key.weight", c.n_ffn, C, &L.ffn_k));
    RETURN_IF_ERROR(f.Mat(m + "value.weight", C, c.n_ffn, &L.ffn_v));
    if (c.arch != Arch::kV4) {
      RETURN_IF_ERROR(f.Vector(a + "ln_x.weight", C, &L.ln_x_w));
      RETURN_IF_ERROR(f.Vector(a + "ln_x.bias", C, &L.ln_x_b));
    }
    switch (c.arch) {
      case Arch::kV4:
      case Arch::kV5_0:
      case Arch::kV5_1:
      case Arch::kV5_2: {
        RETURN_IF_ERROR(f.Vector(a + "time_mix_k", C, &L.mix_k));
        RETURN_IF_ERROR(f.Vector(a + "time_mix_v", C, &L.mix_v));
        RETURN_IF_ERROR(f.Vector(a + "time_mix_r", C, &L.mix_r));
        if (c.arch == Arch::kV4) {
          RETURN_IF_ERROR(f.Vector(a + "time_decay", C, &L.time_decay));
          RETURN_IF_ERROR(f.Vector(a + "time_first", C, &L.time_first));
        } else {
          RETURN_IF_ERROR(f.Expanded(a + "time_decay", H, N, &L.time_decay));
          const std::string first = s.Has(a + "time_faaaa") ? "time_faaaa" : "time_first";
          RETURN_IF_ERROR(f.Expanded(a + first, H, N, &L.time_first));
        }
        if (c.arch == Arch::kV5_1 || c.arch == Arch::kV5_2) {
          RETURN_IF_ERROR(f.Vector(a + "time_mix_g", C, &L.mix_g));
          RETURN_IF_ERROR(f.Mat(a + "gate.weight", C, C, &L.att_g));
        }
        RETURN_IF_ERROR(f.Vector(m + "time_mix_k", C, &L.ffn_mix_k));
        RETURN_IF_ERROR(f.Vector(m + "time_mix_r", C, &L.ffn_mix_r));
        RETURN_IF_ERROR(f.Mat(m + "receptance.weight", C, C, &L.ffn_r));
        break;
      }
      case Arch::kV6: {
        RETURN_IF_ERROR(f.Vector(a + "time_maa_x", C, &L.maa_x));
        RETURN_IF_ERROR(f.Vector(a + "time_maa_w", C, &L.maa_w));
        RETURN_IF_ERROR(f.Vector(a + "time_maa_k", C, &L.maa_k));
        RETURN_IF_ERROR(f.Vector(a + "time_maa_v", C, &L.maa_v));
        RETURN_IF_ERROR(f.Vector(a + "time_maa_r", C, &L.maa_r));
        RETURN_IF_ERROR(f.Vector(a + "time_maa_g", C, &L.maa_g));
        RETURN_IF_ERROR(f.Mat(a + "time_maa_w1", 5 * c.maa_lora, C, &L.maa_w1));
        for (int j = 0; j < 5; ++j) {
          RETURN_IF_ERROR(f.Mat(a + "time_maa_w2", C, c.maa_lora, &L.maa_w2[j], 5, j));
        }
        RETURN_IF_ERROR(f.Vector(a + "time_decay", C, &L.time_decay));
        RETURN_IF_ERROR(f.Mat(a + "time_decay_w1", c.decay_lora, C, &L.decay_w1));
        RETURN_IF_ERROR(f.Mat(a + "time_decay_w2", C, c.decay_lora, &L.decay_w2));
        RETURN_IF_ERROR(f.Vector(a + "time_faaaa", C, &L.time_first));
        RETURN_IF_ERROR(f.Mat(a + "gate.weight", C, C, &L.att_g));
        RETURN_IF_ERROR(f.Vector(m + "time_maa_k", C, &L.ffn_mix_k));
        RETURN_IF_ERROR(f.Vector(m + "time_maa_r", C, &L.ffn_mix_r));
        RETURN_IF_ERROR(f.Mat(m + "receptance.weight", C, C, &L.ffn_r));
        break;
      }
      case Arch::kV7: {
        if (s.Has(a + "x_rwkvag")) {
          Vec all;
          RETURN_IF_ERROR(f.Vector(a + "x_rwkvag", 6 * C, &all));
          Vec* parts[6] = {&L.x_r, &L.x_w, &L.x_k, &L.x_v, &L.x_a, &L.x_g};
          for (int j = 0; j < 6; ++j) parts[j]->assign(all.begin() + j * C, all.begin() + (j + 1) * C);
        } else {
          RETURN_IF_ERROR(f.Vector(a + "x_r", C, &L.x_r));
          RETURN_IF_ERROR(f.Vector(a + "x_w", C, &L.x_w));
          RETURN_IF_ERROR(f.Vector(a + "x_k", C, &L.x_k));
          RETURN_IF_ERROR(f.Vector(a + "x_v", C, &L.x_v));
          RETURN_IF_ERROR(f.Vector(a + "x_a", C, &L.x_a));
          RETURN_IF_ERROR(f.Vector(a + "x_g", C, &L.x_g));
        }
        RETURN_IF_ERROR(f.Vector(a + "w0", C, &L.w0));
        RETURN_IF_ERROR(f.Vector(a + "a0", C, &L.a0));
        RETURN_IF_ERROR(f.Vector(a + "k_k", C, &L.k_k));
        RETURN_IF_ERROR(f.Vector(a + "k_a", C, &L.k_a));
        RETURN_IF_ERROR(f.Vector(a + "r_k", C, &L.r_k));
        RETURN_IF_ERROR(f.Mat(a + "w1", c.w_lora, C, &L.w1));
        RETURN_IF_ERROR(f.Mat(a + "w2", C, c.w_lora, &L.w2));
        RETURN_IF_ERROR(f.Mat(a + "a1", c.a_lora, C, &L.a1));
        RETURN_IF_ERROR(f.Mat(a + "a2", C, c.a_lora, &L.a2));
        RETURN_IF_ERROR(f.Mat(a + "g1", c.g_lora, C, &L.g1));
        RETURN_IF_ERROR(f.Mat(a + "g2", C, c.g_lora, &L.g2));
        if (i > 0) {
          RETURN_IF_ERROR(f.Vector(a + "v0", C, &L.v0));
          RETURN_IF_ERROR(f.Mat(a + "v1", c.v_lora, C, &L.v1));
          RETURN_IF_ERROR(f.Mat(a + "v2", C, c.v_lora, &L.v2));
        }
        RETURN_IF_ERROR(f.Vector(m + "x_k", C, &L.ffn_mix_k));
        break;
      }
    }
    if (s.Has(a + "time_state")) {
      if (c.arch == Arch::kV4 || c.arch == Arch::kV7) {
        return Status::Unsupported(source_ + ": tensor " + a +
                                   "time_state: state-tuned checkpoints are v5/v6 only");
      }
      RETURN_IF_ERROR(f.Vector(a + "time_state", static_cast<int64_t>(H) * N * N, &L.time_state));
      c.has_time_state = true;
    }
  }
  weights_hash_ = HashStore(s);
  return Status::Ok();
}

std::string Model::Describe() const {
  const ModelConfig& c = config_;
  std::ostringstream o;
  o << ArchName(c.arch) << " L" << c.n_layer << " D" << c.n_embd << " H" << c.n_head << "x"
    << c.head_size << " V" << c.n_vocab << " FFN" << c.n_ffn;
  return o.str();
}

}  // namespace rwkv
