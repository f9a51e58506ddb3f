#include "rwkv/random_model.h"

#include <cmath>
#include <functional>
#include <random>
#include <vector>

#include "rwkv/bin_format.h"
#include "rwkv/quantize.h"

namespace rwkv {

namespace {

// The official v7 low-rank size: max(32, round(scale * n_embd^power / 32) * 32).
int LoraSize(int C, double scale, double power) {
  const double v = std::round(scale * std::pow(static_cast<double>(C), power) / 32.0) * 32.0;
  return std::max(32, static_cast<int>(v));
}

class Builder {
 public:
  Builder(const RandomModelSpec& spec, TensorStore* store)
      : spec_(spec), store_(store), rng_(spec.seed) {}

  double Uniform() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }
  // Standard normal (Box-Muller).
  float Normal() {
    if (have_spare_) {
      have_spare_ = false;
      return spare_;
    }
    const double u1 = 1.0 - Uniform(), u2 = Uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    spare_ = static_cast<float>(r * std::sin(2 * M_PI * u2));
    have_spare_ = true;
    return static_cast<float>(r * std::cos(2 * M_PI * u2));
  }

  // A float vector of any shape, values from `gen`, stored FP32.
  Status Vector(const std::string& name, std::vector<int64_t> shape,
                const std::function<float(int64_t)>& gen) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    std::vector<float> v(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = gen(i);
    return store_->Add(name, DType::kF32, std::move(shape), v.data(), v.size() * 4);
  }
  Status Uniform(const std::string& name, std::vector<int64_t> shape, float lo, float hi) {
    return Vector(name, std::move(shape),
                  [&](int64_t) { return lo + static_cast<float>(Uniform()) * (hi - lo); });
  }
  Status Around(const std::string& name, int64_t n, float center, float spread) {
    return Vector(name, {n}, [&](int64_t) { return center + spread * Normal(); });
  }

  // A matrix [.., rows, cols] of N(0, scale / sqrt(cols)) values in the spec's type.
  Status Matrix(const std::string& name, std::vector<int64_t> shape, float scale = 0.5f) {
    const int64_t cols = shape.back();
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    const DType t = cols % DTypeBlockValues(spec_.dtype) == 0 ? spec_.dtype : DType::kF32;
    const float sd = scale / std::sqrt(static_cast<float>(cols));
    std::vector<float> row(static_cast<size_t>(cols));
    std::vector<uint8_t> bytes(DTypeBytes(t, n));
    const size_t row_bytes = DTypeBytes(t, cols);
    for (int64_t r = 0; r < n / cols; ++r) {
      for (float& v : row) v = sd * Normal();
      QuantizeRow(t, row.data(), bytes.data() + row_bytes * static_cast<size_t>(r), cols);
    }
    return store_->Add(name, t, std::move(shape), bytes.data(), bytes.size());
  }

 private:
  const RandomModelSpec& spec_;
  TensorStore* store_;
  std::mt19937_64 rng_;
  bool have_spare_ = false;
  float spare_ = 0.0f;
};

}  // namespace

StatusOr<TensorStore> MakeRandomModel(const RandomModelSpec& spec) {
  const Arch arch = spec.arch;
  if (arch == Arch::kV5_0 || arch == Arch::kV5_1) {
    return Status::Unsupported(std::string("random models of ") + ArchName(arch) +
                               " are not supported (v4, v5.2, v6, v7)");
  }
  if (spec.n_layer <= 0 || spec.n_embd <= 0 || spec.n_vocab <= 0 || spec.n_ffn < 0 ||
      spec.head_size <= 0) {
    return Status::InvalidArgument(
        "random model: layers, embedding, vocabulary and head size "
        "must be positive");
  }
  const int64_t C = spec.n_embd, V = spec.n_vocab;
  if (arch != Arch::kV4 && C % spec.head_size != 0) {
    return Status::InvalidArgument("random model: embedding " + std::to_string(C) +
                                   " is not a multiple of the head size " +
                                   std::to_string(spec.head_size));
  }
  const int64_t N = spec.head_size, H = C / N;
  const int64_t F = spec.n_ffn > 0      ? spec.n_ffn
                    : arch == Arch::kV6 ? static_cast<int64_t>(C * 3.5) / 32 * 32
                                        : 4 * C;
  TensorStore store;
  Builder b(spec, &store);
  RETURN_IF_ERROR(b.Matrix("emb.weight", {V, C}, 2.0f));
  RETURN_IF_ERROR(b.Around("blocks.0.ln0.weight", C, 1.0f, 0.02f));
  RETURN_IF_ERROR(b.Around("blocks.0.ln0.bias", C, 0.0f, 0.02f));
  RETURN_IF_ERROR(b.Around("ln_out.weight", C, 1.0f, 0.02f));
  RETURN_IF_ERROR(b.Around("ln_out.bias", C, 0.0f, 0.02f));
  RETURN_IF_ERROR(b.Matrix("head.weight", {V, C}, 1.0f));
  // v6 low-rank sizes (the official 32 and 64); v7 from the official formulas.
  const int64_t maa_lora = 32, decay_lora = 64;
  const int64_t w_lora = LoraSize(spec.n_embd, 1.8, 0.5), a_lora = w_lora;
  const int64_t v_lora = LoraSize(spec.n_embd, 1.3, 0.5);
  const int64_t g_lora = LoraSize(spec.n_embd, 0.6, 0.8);
  for (int l = 0; l < spec.n_layer; ++l) {
    const std::string p = "blocks." + std::to_string(l) + ".", a = p + "att.", f = p + "ffn.";
    RETURN_IF_ERROR(b.Around(p + "ln1.weight", C, 1.0f, 0.02f));
    RETURN_IF_ERROR(b.Around(p + "ln1.bias", C, 0.0f, 0.02f));
    RETURN_IF_ERROR(b.Around(p + "ln2.weight", C, 1.0f, 0.02f));
    RETURN_IF_ERROR(b.Around(p + "ln2.bias", C, 0.0f, 0.02f));
    for (const char* m : {"receptance", "key", "value", "output"}) {
      RETURN_IF_ERROR(b.Matrix(a + m + ".weight", {C, C}));
    }
    RETURN_IF_ERROR(b.Matrix(f + "key.weight", {F, C}));
    RETURN_IF_ERROR(b.Matrix(f + "value.weight", {C, F}));
    if (arch != Arch::kV4) {
      RETURN_IF_ERROR(b.Around(a + "ln_x.weight", C, 1.0f, 0.02f));
      RETURN_IF_ERROR(b.Around(a + "ln_x.bias", C, 0.0f, 0.02f));
    }
    switch (arch) {
      case Arch::kV4:
      case Arch::kV5_2: {
        for (const char* m : {"time_mix_k", "time_mix_v", "time_mix_r"}) {
          RETURN_IF_ERROR(b.Uniform(a + m, {C}, 0.0f, 1.0f));
        }
        if (arch == Arch::kV4) {
          // time_decay = -exp(w), w in [-6, 1];  time_first = u
          RETURN_IF_ERROR(b.Vector(a + "time_decay", {C}, [&](int64_t) {
            return -std::exp(-6.0f + 7.0f * static_cast<float>(b.Uniform()));
          }));
          RETURN_IF_ERROR(b.Uniform(a + "time_first", {C}, -1.0f, 1.0f));
        } else {
          // time_decay = exp(-exp(w)), w in [-6, 0];  time_faaaa = u
          RETURN_IF_ERROR(b.Vector(a + "time_decay", {H, N}, [&](int64_t) {
            return std::exp(-std::exp(-6.0f + 6.0f * static_cast<float>(b.Uniform())));
          }));
          RETURN_IF_ERROR(b.Uniform(a + "time_faaaa", {H, N}, -0.5f, 0.5f));
          RETURN_IF_ERROR(b.Uniform(a + "time_mix_g", {C}, 0.0f, 1.0f));
          RETURN_IF_ERROR(b.Matrix(a + "gate.weight", {C, C}));
        }
        RETURN_IF_ERROR(b.Uniform(f + "time_mix_k", {C}, 0.0f, 1.0f));
        RETURN_IF_ERROR(b.Uniform(f + "time_mix_r", {C}, 0.0f, 1.0f));
        RETURN_IF_ERROR(b.Matrix(f + "receptance.weight", {C, C}));
        break;
      }
      case Arch::kV6: {
        for (const char* m :
             {"time_maa_x", "time_maa_w", "time_maa_k", "time_maa_v", "time_maa_r", "time_maa_g"}) {
          RETURN_IF_ERROR(b.Uniform(a + m, {C}, 0.0f, 1.0f));
        }
        RETURN_IF_ERROR(b.Matrix(a + "time_maa_w1", {5 * maa_lora, C}, 0.1f));
        RETURN_IF_ERROR(b.Matrix(a + "time_maa_w2", {5, C, maa_lora}, 0.1f));
        RETURN_IF_ERROR(b.Uniform(a + "time_decay", {C}, -6.0f, -1.0f));  // raw w
        RETURN_IF_ERROR(b.Matrix(a + "time_decay_w1", {decay_lora, C}, 0.1f));
        RETURN_IF_ERROR(b.Matrix(a + "time_decay_w2", {C, decay_lora}, 0.1f));
        RETURN_IF_ERROR(b.Uniform(a + "time_faaaa", {H, N}, -0.5f, 0.5f));
        RETURN_IF_ERROR(b.Matrix(a + "gate.weight", {C, C}));
        RETURN_IF_ERROR(b.Uniform(f + "time_maa_k", {C}, 0.0f, 1.0f));
        RETURN_IF_ERROR(b.Uniform(f + "time_maa_r", {C}, 0.0f, 1.0f));
        RETURN_IF_ERROR(b.Matrix(f + "receptance.weight", {C, C}));
        break;
      }
      case Arch::kV7: {
        RETURN_IF_ERROR(b.Uniform(a + "x_rwkvag", {6, C}, 0.0f, 1.0f));
        RETURN_IF_ERROR(b.Uniform(a + "w0", {C}, -6.0f, -0.5f));
        RETURN_IF_ERROR(b.Around(a + "a0", C, 0.0f, 0.1f));
        RETURN_IF_ERROR(b.Around(a + "k_k", C, 0.85f, 0.05f));
        RETURN_IF_ERROR(b.Around(a + "k_a", C, 1.0f, 0.05f));
        RETURN_IF_ERROR(b.Vector(a + "r_k", {H, N}, [&](int64_t) { return 0.1f * b.Normal(); }));
        RETURN_IF_ERROR(b.Matrix(a + "w1", {w_lora, C}, 0.1f));
        RETURN_IF_ERROR(b.Matrix(a + "w2", {C, w_lora}, 0.1f));
        RETURN_IF_ERROR(b.Matrix(a + "a1", {a_lora, C}, 0.1f));
        RETURN_IF_ERROR(b.Matrix(a + "a2", {C, a_lora}, 0.1f));
        RETURN_IF_ERROR(b.Matrix(a + "g1", {g_lora, C}, 0.1f));
        RETURN_IF_ERROR(b.Matrix(a + "g2", {C, g_lora}, 0.1f));
        if (l > 0) {
          RETURN_IF_ERROR(b.Around(a + "v0", C, 1.0f, 0.1f));
          RETURN_IF_ERROR(b.Matrix(a + "v1", {v_lora, C}, 0.1f));
          RETURN_IF_ERROR(b.Matrix(a + "v2", {C, v_lora}, 0.1f));
        }
        RETURN_IF_ERROR(b.Uniform(f + "x_k", {C}, 0.0f, 1.0f));
        break;
      }
      default:
        break;
    }
  }
  return store;
}

Status WriteRandomModel(const RandomModelSpec& spec, const std::string& path) {
  ASSIGN_OR_RETURN(TensorStore store, MakeRandomModel(spec));
  RwkvCppHeader h;
  h.n_vocab = spec.n_vocab;
  h.n_embed = spec.n_embd;
  h.n_layer = spec.n_layer;
  h.data_type = DTypeToRwkvCpp(spec.dtype);
  return WriteRwkvCppFile(path, store, h);
}

}  // namespace rwkv
