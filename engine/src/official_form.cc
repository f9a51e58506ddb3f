#include "official_form.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <regex>

namespace rwkv {

namespace {

bool StartsWith(const std::string& s, const std::string& head) {
  return s.compare(0, head.size(), head) == 0;
}
// "blocks.3.att.w1" -> "w1"; "" if the name is not an attention parameter.
std::string AttLeaf(const std::string& name) {
  const size_t at = name.find(".att.");
  return at == std::string::npos ? std::string() : name.substr(at + 5);
}

bool HasName(const std::vector<SourceTensor>& ts, const std::string& name) {
  for (const SourceTensor& t : ts) {
    if (t.name == name) return true;
  }
  return false;
}

// A freshly allocated 64-byte-aligned buffer (the alignment the kernels rely on).
std::shared_ptr<uint8_t> Allocate(size_t nbytes) {
  void* mem = std::aligned_alloc(64, (nbytes + 63) / 64 * 64 + 64);
  return std::shared_ptr<uint8_t>(static_cast<uint8_t*>(mem), std::free);
}

int64_t Numel(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

// Swaps the last two dimensions of a float tensor (any element size), keeping its type.
// `shape` is [batch..., rows, cols] on input, [batch..., cols, rows] on output.
std::shared_ptr<uint8_t> SwapLastTwo(const uint8_t* src, DType dtype, std::vector<int64_t>* shape) {
  const size_t es = static_cast<size_t>(DTypeBlockBytes(dtype));
  const size_t nd = shape->size();
  const int64_t rows = (*shape)[nd - 2], cols = (*shape)[nd - 1];
  const int64_t batch = Numel(*shape) / (rows * cols);
  auto out = Allocate(static_cast<size_t>(Numel(*shape)) * es);
  for (int64_t b = 0; b < batch; ++b) {
    const uint8_t* s = src + static_cast<size_t>(b * rows * cols) * es;
    uint8_t* d = out.get() + static_cast<size_t>(b * rows * cols) * es;
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t c = 0; c < cols; ++c) {
        std::memcpy(d + static_cast<size_t>(c * rows + r) * es,
                    s + static_cast<size_t>(r * cols + c) * es, es);
      }
    }
  }
  std::swap((*shape)[nd - 2], (*shape)[nd - 1]);
  return out;
}

// Applies `fn` to every value (computed in FP32 from the stored type); the result is FP32.
std::shared_ptr<uint8_t> MapToF32(const uint8_t* src, DType dtype, int64_t n,
                                  const std::function<float(float)>& fn) {
  auto out = Allocate(static_cast<size_t>(n) * 4);
  float* f = reinterpret_cast<float*>(out.get());
  DequantizeRow(dtype, src, f, n);
  for (int64_t i = 0; i < n; ++i) f[i] = fn(f[i]);
  return out;
}

// Renames by a list of (regex, replacement) rules applied in order.
struct Rule {
  std::regex pattern;
  std::string replacement;
};

std::string ApplyRules(const std::vector<Rule>& rules, std::string name) {
  for (const Rule& r : rules) name = std::regex_replace(name, r.pattern, r.replacement);
  return name;
}

// transformers' convert_rwkv_checkpoint_to_hf renames (and their v5/v6 remote-code variants).
const std::vector<Rule>& TransformersRules() {
  static const std::vector<Rule> rules = {
      {std::regex("^rwkv\\."), ""},
      {std::regex("^embeddings\\."), "emb."},
      {std::regex("^blocks\\.0\\.pre_ln\\."), "blocks.0.ln0."},
      {std::regex("^blocks\\.(\\d+)\\.attention\\."), "blocks.$1.att."},
      {std::regex("^blocks\\.(\\d+)\\.feed_forward\\."), "blocks.$1.ffn."},
      {std::regex("\\.time_mix_key$"), ".time_mix_k"},
      {std::regex("\\.time_mix_value$"), ".time_mix_v"},
      {std::regex("\\.time_mix_receptance$"), ".time_mix_r"},
      {std::regex("\\.time_mix_gate$"), ".time_mix_g"},
  };
  return rules;
}

// flash-linear-attention's RWKV-7 names.
const std::vector<Rule>& FlaRules() {
  static const std::vector<Rule> rules = {
      {std::regex("^model\\.embeddings\\."), "emb."},
      {std::regex("^model\\.norm\\."), "ln_out."},
      {std::regex("^lm_head\\."), "head."},
      {std::regex("^model\\.layers\\.(\\d+)\\.pre_norm\\."), "blocks.$1.ln0."},
      {std::regex("^model\\.layers\\.(\\d+)\\.attn_norm\\."), "blocks.$1.ln1."},
      {std::regex("^model\\.layers\\.(\\d+)\\.ffn_norm\\."), "blocks.$1.ln2."},
      {std::regex("^model\\.layers\\.(\\d+)\\.attn\\."), "blocks.$1.att."},
      {std::regex("^model\\.layers\\.(\\d+)\\.ffn\\."), "blocks.$1.ffn."},
      {std::regex("\\.att\\.r_proj\\."), ".att.receptance."},
      {std::regex("\\.att\\.k_proj\\."), ".att.key."},
      {std::regex("\\.att\\.v_proj\\."), ".att.value."},
      {std::regex("\\.att\\.o_proj\\."), ".att.output."},
      {std::regex("\\.att\\.g_norm\\."), ".att.ln_x."},
      // fla's first layout: the six token-shift mixes as one [6, C] x_x (order r w k v a g).
      {std::regex("\\.att\\.x_x$"), ".att.x_rwkvag"},
  };
  static const std::vector<Rule> all = [] {
    std::vector<Rule> r = rules;
    // lora.0 is w1 (down), lora.2 is w2 (up) and its bias w0; likewise a, v, g.
    static const std::string kNames[] = {"w1", "w2", "w0", "a1", "a2", "a0",
                                         "v1", "v2", "v0", "g1", "g2"};
    static const char* kSuffix[] = {"lora\\.0\\.weight", "lora\\.2\\.weight", "lora\\.2\\.bias"};
    for (const std::string& n : kNames) {
      const std::string from = "\\.att\\." + n.substr(0, 1) + "_lora\\." +
                               (n[1] == '1'   ? kSuffix[0]
                                : n[1] == '2' ? kSuffix[1]
                                              : kSuffix[2]) +
                               "$";
      r.push_back({std::regex(from), ".att." + n});
    }
    return r;
  }();
  return all;
}

bool IsLowRankV7(const std::string& leaf) {
  static const char* kNames[] = {"w1", "w2", "a1", "a2", "v1", "v2", "g1", "g2"};
  for (const char* n : kNames) {
    if (leaf == n) return true;
  }
  return false;
}

}  // namespace

Naming DetectNaming(const std::vector<SourceTensor>& tensors) {
  for (const SourceTensor& t : tensors) {
    if (StartsWith(t.name, "rwkv.")) return Naming::kTransformers;
    if (StartsWith(t.name, "model.layers.") || StartsWith(t.name, "model.embeddings.")) {
      return Naming::kFla;
    }
  }
  return Naming::kOfficial;
}

Status RenameToOfficial(std::vector<SourceTensor>* tensors, const std::string& source) {
  const Naming naming = DetectNaming(*tensors);
  if (naming == Naming::kOfficial) return Status::Ok();
  const auto& rules = naming == Naming::kTransformers ? TransformersRules() : FlaRules();
  for (SourceTensor& t : *tensors) {
    const std::string before = t.name;
    t.name = ApplyRules(rules, t.name);
    if (naming == Naming::kFla && IsLowRankV7(AttLeaf(t.name))) {
      if (t.shape.size() != 2) {
        return Status::Corruption(source + ": tensor " + before + " has shape " +
                                  Tensor{before, t.dtype, t.shape}.ShapeString() +
                                  ", expected a matrix");
      }
      t.already_out_in = true;  // nn.Linear weights are [out, in] already
    }
  }
  return Status::Ok();
}

Arch ArchFromOfficialNames(const std::vector<SourceTensor>& tensors) {
  if (HasName(tensors, "blocks.0.att.r_k")) return Arch::kV7;
  if (HasName(tensors, "blocks.0.att.time_maa_x")) return Arch::kV6;
  if (HasName(tensors, "blocks.0.att.ln_x.weight")) return Arch::kV5_2;
  return Arch::kV4;
}

StatusOr<TensorStore> CanonicalFromOfficial(std::vector<SourceTensor> tensors,
                                            const std::string& source) {
  RETURN_IF_ERROR(RenameToOfficial(&tensors, source));
  const Arch arch = ArchFromOfficialNames(tensors);
  const bool v5 = arch == Arch::kV5_2;
  TensorStore store;
  for (SourceTensor& t : tensors) {
    const std::string leaf = AttLeaf(t.name);
    std::function<float(float)> fn;
    int transpose_dims = 0;  // 2: a matrix; 3: a stack of matrices
    if (arch == Arch::kV4 && leaf == "time_decay") {
      fn = [](float w) { return -std::exp(w); };
    } else if (v5 && leaf == "time_decay") {
      fn = [](float w) { return std::exp(-std::exp(w)); };
    } else if (v5 && leaf == "time_first") {
      fn = [](float u) { return std::exp(u); };
    } else if (arch == Arch::kV6 &&
               (leaf == "time_maa_w1" || leaf == "time_decay_w1" || leaf == "time_decay_w2")) {
      transpose_dims = 2;
    } else if (arch == Arch::kV6 && leaf == "time_maa_w2") {
      transpose_dims = 3;
    } else if (arch == Arch::kV7 && IsLowRankV7(leaf) && !t.already_out_in) {
      transpose_dims = 2;
    }
    const std::string named = source + ": tensor " + t.name;
    if ((fn || transpose_dims) && IsQuantized(t.dtype)) {
      return Status::Unsupported(named + " is " + DTypeName(t.dtype) +
                                 "; official-form checkpoints hold float tensors only");
    }
    if (fn) {
      auto buf = MapToF32(t.data, t.dtype, Numel(t.shape), fn);
      const uint8_t* p = buf.get();
      Status s = store.AddBorrowed(t.name, DType::kF32, t.shape, p,
                                   static_cast<size_t>(Numel(t.shape)) * 4, std::move(buf));
      if (!s.ok()) return s.WithContext(source);
    } else if (transpose_dims) {
      if (static_cast<int>(t.shape.size()) != transpose_dims) {
        return Status::Corruption(named + " has shape " +
                                  Tensor{t.name, t.dtype, t.shape}.ShapeString() + ", expected " +
                                  std::to_string(transpose_dims) + " dimensions");
      }
      auto buf = SwapLastTwo(t.data, t.dtype, &t.shape);
      const uint8_t* p = buf.get();
      Status s = store.AddBorrowed(t.name, t.dtype, t.shape, p, t.nbytes, std::move(buf));
      if (!s.ok()) return s.WithContext(source);
    } else {
      Status s = store.AddBorrowed(t.name, t.dtype, t.shape, t.data, t.nbytes, t.backing);
      if (!s.ok()) return s.WithContext(source);
    }
  }
  return store;
}

StatusOr<TensorStore> OfficialFromCanonical(const TensorStore& canonical, Arch arch) {
  const bool v5 = arch == Arch::kV5_0 || arch == Arch::kV5_1 || arch == Arch::kV5_2;
  TensorStore out;
  for (const auto& [name, t] : canonical.tensors()) {
    const std::string leaf = AttLeaf(name);
    std::function<float(float)> fn;
    int transpose_dims = 0;
    if (arch == Arch::kV4 && leaf == "time_decay") {
      fn = [](float d) { return std::log(-d); };
    } else if (v5 && leaf == "time_decay") {
      fn = [](float d) { return std::log(-std::log(d)); };
    } else if (v5 && leaf == "time_first") {
      fn = [](float e) { return std::log(e); };
    } else if (arch == Arch::kV6 &&
               (leaf == "time_maa_w1" || leaf == "time_decay_w1" || leaf == "time_decay_w2")) {
      transpose_dims = 2;
    } else if (arch == Arch::kV6 && leaf == "time_maa_w2") {
      transpose_dims = 3;
    } else if (arch == Arch::kV7 && IsLowRankV7(leaf)) {
      transpose_dims = 2;
    }
    if ((fn || transpose_dims) && IsQuantized(t.dtype)) {
      return Status::Unsupported("tensor " + name + ": the official form cannot hold " +
                                 DTypeName(t.dtype));
    }
    if (arch == Arch::kV7 && leaf == "x_rwkvag") {
      // The concatenated token-shift mixes become x_r ... x_g of shape [1, 1, C].
      const int64_t C = t.numel() / 6;
      auto all = MapToF32(t.data, t.dtype, 6 * C, [](float x) { return x; });
      const char* parts[6] = {"x_r", "x_w", "x_k", "x_v", "x_a", "x_g"};
      const std::string prefix = name.substr(0, name.size() - leaf.size());
      for (int j = 0; j < 6; ++j) {
        RETURN_IF_ERROR(out.Add(prefix + parts[j], DType::kF32, {1, 1, C},
                                all.get() + static_cast<size_t>(j * C) * 4,
                                static_cast<size_t>(C) * 4));
      }
    } else if (fn) {
      auto buf = MapToF32(t.data, t.dtype, t.numel(), fn);
      RETURN_IF_ERROR(
          out.Add(name, DType::kF32, t.shape, buf.get(), static_cast<size_t>(t.numel()) * 4));
    } else if (transpose_dims) {
      std::vector<int64_t> shape = t.shape;
      if (static_cast<int>(shape.size()) != transpose_dims) {
        return Status::Corruption("tensor " + name + " has shape " + t.ShapeString() +
                                  ", expected " + std::to_string(transpose_dims) + " dimensions");
      }
      auto buf = SwapLastTwo(t.data, t.dtype, &shape);
      RETURN_IF_ERROR(out.Add(name, t.dtype, shape, buf.get(), t.nbytes));
    } else {
      RETURN_IF_ERROR(out.Add(name, t.dtype, t.shape, t.data, t.nbytes));
    }
  }
  out.metadata() = canonical.metadata();
  return out;
}

}  // namespace rwkv
