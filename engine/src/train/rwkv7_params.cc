#include "rwkv/train/rwkv7_params.h"

#include <cmath>
#include <random>

namespace rwkv::train {

namespace {

int OfficialLora(int C, double scale, double power) {
  const double v = std::round(scale * std::pow(static_cast<double>(C), power) / 32.0) * 32.0;
  return std::max(32, static_cast<int>(v));
}

class InitRng {
 public:
  explicit InitRng(uint64_t seed) : rng_(seed) {}
  double Uniform() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  // Standard normal by Box-Muller (portable: no library distribution).
  double Normal() {
    const double u1 = 1.0 - Uniform(), u2 = Uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  }

 private:
  std::mt19937_64 rng_;
};

void FillUniform(RowMat<float>* m, int rows, int cols, double bound, InitRng* rng) {
  m->resize(rows, cols);
  for (Eigen::Index i = 0; i < m->size(); ++i) m->data()[i] = float(rng->Uniform(-bound, bound));
}

// nn.init.orthogonal_(x, gain): the Q factor of a Gaussian matrix (rows or columns orthonormal),
// times gain. Orthogonality is transpose-invariant, so canonical [out, in] forms of official
// [in, out] matrices take the same init.
void FillOrthogonal(RowMat<float>* m, int rows, int cols, double gain, InitRng* rng) {
  const int tall = std::max(rows, cols), wide = std::min(rows, cols);
  Eigen::MatrixXd g(tall, wide);
  for (Eigen::Index i = 0; i < g.size(); ++i) g.data()[i] = rng->Normal();
  Eigen::HouseholderQR<Eigen::MatrixXd> qr(g);
  Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(tall, wide);
  // Sign fix as torch does (Q * sign(diag(R))), making the distribution uniform.
  for (int j = 0; j < wide; ++j) {
    if (qr.matrixQR()(j, j) < 0) q.col(j) = -q.col(j);
  }
  m->resize(rows, cols);
  if (rows >= cols) {
    *m = (q * gain).cast<float>();
  } else {
    *m = (q.transpose() * gain).cast<float>();
  }
}

ColVec<float> Filled(int n, float value) { return ColVec<float>::Constant(n, value); }

}  // namespace

Rwkv7Shape Rwkv7Shape::Official(int n_layer, int n_embd, int head_size, int n_vocab) {
  Rwkv7Shape s;
  s.n_layer = n_layer;
  s.n_embd = n_embd;
  s.head_size = head_size;
  s.n_vocab = n_vocab;
  s.n_ffn = 4 * n_embd;
  s.w_lora = OfficialLora(n_embd, 1.8, 0.5);
  s.a_lora = OfficialLora(n_embd, 1.8, 0.5);
  s.v_lora = OfficialLora(n_embd, 1.3, 0.5);
  s.g_lora = OfficialLora(n_embd, 0.6, 0.8);
  return s;
}

Status Rwkv7Shape::Validate() const {
  if (n_layer < 1 || n_embd < 1 || head_size < 1 || n_vocab < 1 || n_ffn < 1 || w_lora < 1 ||
      a_lora < 1 || v_lora < 1 || g_lora < 1) {
    return Status::InvalidArgument("RWKV-7 shape: every size must be positive");
  }
  if (n_embd % head_size != 0) {
    return Status::InvalidArgument("RWKV-7 shape: n_embd " + std::to_string(n_embd) +
                                   " is not a multiple of head_size " + std::to_string(head_size));
  }
  return Status::Ok();
}

template <typename R>
Rwkv7Params<R> Rwkv7Params<R>::Zeros(const Rwkv7Shape& s) {
  Rwkv7Params p;
  p.shape = s;
  const int C = s.n_embd, V = s.n_vocab, F = s.n_ffn;
  auto z = [](int n) { return ColVec<R>::Zero(n); };
  auto zm = [](int r, int c) { return RowMat<R>::Zero(r, c); };
  p.emb = zm(V, C);
  p.head = zm(V, C);
  p.ln0_w = p.ln0_b = p.ln_out_w = p.ln_out_b = z(C);
  p.layers.resize(static_cast<size_t>(s.n_layer));
  for (int l = 0; l < s.n_layer; ++l) {
    Rwkv7Layer<R>& L = p.layers[static_cast<size_t>(l)];
    L.ln1_w = L.ln1_b = L.ln2_w = L.ln2_b = z(C);
    L.x_r = L.x_w = L.x_k = L.x_v = L.x_a = L.x_g = z(C);
    L.w0 = L.a0 = L.k_k = L.k_a = L.r_k = L.ln_x_w = L.ln_x_b = L.ffn_x_k = z(C);
    L.att_r = L.att_k = L.att_v = L.att_o = zm(C, C);
    L.w1 = zm(s.w_lora, C);
    L.w2 = zm(C, s.w_lora);
    L.a1 = zm(s.a_lora, C);
    L.a2 = zm(C, s.a_lora);
    L.g1 = zm(s.g_lora, C);
    L.g2 = zm(C, s.g_lora);
    if (l > 0) {
      L.v0 = z(C);
      L.v1 = zm(s.v_lora, C);
      L.v2 = zm(C, s.v_lora);
    }
    L.ffn_key = zm(F, C);
    L.ffn_value = zm(C, F);
  }
  return p;
}

template <typename R>
size_t Rwkv7Params<R>::Count() const {
  size_t n = 0;
  ForEach([&](const std::string&, const std::vector<int64_t>&, const R*, size_t c) { n += c; });
  return n;
}

template <typename R>
void Rwkv7Params<R>::SetZero() {
  ForEach([](const std::string&, const std::vector<int64_t>&, R* d, size_t c) {
    std::fill(d, d + c, R(0));
  });
}

template struct Rwkv7Params<float>;
template struct Rwkv7Params<double>;

// The official RWKV-7 initialization (RWKV-LM, RWKV-v7 RWKV_Tmix_x070 / RWKV_CMix_x070 and the
// model's weight init), with ratio_0_to_1 = l / (L - 1), ratio_1_to_almost0 = 1 - l / L,
// ddd[i] = i / C, linear[n] = n / (C - 1) - 0.5,
// zigzag[n] = z * |z| with z = ((n % N) - (N - 1) / 2) / ((N - 1) / 2),
// www[n] = -6 + 6 * (n / (C - 1)) ^ (1 + ratio_0_to_1 ^ 0.3):
//   x_r = 1 - ddd^(0.2 r1), x_w = 1 - ddd^(0.9 r1), x_k = x_v = 1 - ddd^(0.7 r1),
//   x_a = 1 - ddd^(0.9 r1), x_g = 1 - ddd^(0.2 r1)               (r1 = ratio_1_to_almost0)
//   w0 = www + 0.5 + 2.5 zigzag;  a0 = -0.19 + 0.3 zigzag + 0.4 linear;  v0 = 0.73 - 0.4 linear
//   w1 = a1 = v1 = g1 = 0;  w2, a2, v2, g2 orthogonal with gain 0.1 (times sqrt(rows/cols) if
//   the official [in, out] matrix is tall)
//   k_k = 0.71 - 0.1 linear;  k_a = 1.02;  r_k = -0.04
//   receptance U(+-0.5/sqrt(C)), key U(+-0.05/sqrt(C)), value U(+-0.5/sqrt(C)), output 0
//   ln_x.weight = ((1 + l) / L)^0.7, ln_x.bias = 0
//   ffn.x_k = 1 - ddd^(r1^4);  ffn.key U(+-0.5/sqrt(C));  ffn.value 0
//   emb U(+-1e-4);  head orthogonal with gain 0.5 * sqrt(V / C) if V > C else 0.5
//   every LayerNorm weight 1, bias 0.
Rwkv7Params<float> InitRwkv7(const Rwkv7Shape& s, uint64_t seed) {
  InitRng rng(seed);
  Rwkv7Params<float> p = Rwkv7Params<float>::Zeros(s);
  const int C = s.n_embd, N = s.head_size, V = s.n_vocab, Lc = s.n_layer;
  FillUniform(&p.emb, V, C, 1e-4, &rng);
  p.ln0_w = p.ln_out_w = Filled(C, 1.0f);
  const double head_gain = V > C ? 0.5 * std::sqrt(double(V) / C) : 0.5;
  FillOrthogonal(&p.head, V, C, head_gain, &rng);
  const double inv_sqrt_c = 1.0 / std::sqrt(double(C));
  for (int l = 0; l < Lc; ++l) {
    Rwkv7Layer<float>& L = p.layers[static_cast<size_t>(l)];
    const double r01 = Lc > 1 ? double(l) / (Lc - 1) : 0.0;
    const double r1 = 1.0 - double(l) / Lc;
    L.ln1_w = L.ln2_w = Filled(C, 1.0f);
    for (int i = 0; i < C; ++i) {
      const double ddd = double(i) / C;
      const double linear = double(i) / (C - 1 > 0 ? C - 1 : 1) - 0.5;
      double zz = N > 1 ? ((i % N) - (N - 1) / 2.0) / ((N - 1) / 2.0) : 0.0;
      zz = zz * std::fabs(zz);
      const double www =
          -6.0 + 6.0 * std::pow(double(i) / (C - 1 > 0 ? C - 1 : 1), 1.0 + std::pow(r01, 0.3));
      L.x_r[i] = float(1.0 - std::pow(ddd, 0.2 * r1));
      L.x_w[i] = float(1.0 - std::pow(ddd, 0.9 * r1));
      L.x_k[i] = float(1.0 - std::pow(ddd, 0.7 * r1));
      L.x_v[i] = float(1.0 - std::pow(ddd, 0.7 * r1));
      L.x_a[i] = float(1.0 - std::pow(ddd, 0.9 * r1));
      L.x_g[i] = float(1.0 - std::pow(ddd, 0.2 * r1));
      L.w0[i] = float(www + 0.5 + zz * 2.5);
      L.a0[i] = float(-0.19 + zz * 0.3 + linear * 0.4);
      if (l > 0) L.v0[i] = float(0.73 - linear * 0.4);
      L.k_k[i] = float(0.71 - linear * 0.1);
      L.k_a[i] = 1.02f;
      L.r_k[i] = -0.04f;
      L.ln_x_w[i] = float(std::pow(double(1 + l) / Lc, 0.7));
      L.ffn_x_k[i] = float(1.0 - std::pow(ddd, std::pow(r1, 4.0)));
    }
    auto lora_gain = [&](int d) { return 0.1 * (d > C ? std::sqrt(double(d) / C) : 1.0); };
    FillOrthogonal(&L.w2, C, s.w_lora, lora_gain(s.w_lora), &rng);
    FillOrthogonal(&L.a2, C, s.a_lora, lora_gain(s.a_lora), &rng);
    if (l > 0) FillOrthogonal(&L.v2, C, s.v_lora, lora_gain(s.v_lora), &rng);
    FillOrthogonal(&L.g2, C, s.g_lora, lora_gain(s.g_lora), &rng);
    FillUniform(&L.att_r, C, C, 0.5 * inv_sqrt_c, &rng);
    FillUniform(&L.att_k, C, C, 0.05 * inv_sqrt_c, &rng);
    FillUniform(&L.att_v, C, C, 0.5 * inv_sqrt_c, &rng);
    FillUniform(&L.ffn_key, s.n_ffn, C, 0.5 * inv_sqrt_c, &rng);
  }
  return p;
}

template <typename To, typename From>
Rwkv7Params<To> CastParams(const Rwkv7Params<From>& p) {
  Rwkv7Params<To> out = Rwkv7Params<To>::Zeros(p.shape);
  std::vector<const From*> src;
  p.ForEach([&](const std::string&, const std::vector<int64_t>&, const From* d, size_t) {
    src.push_back(d);
  });
  size_t i = 0;
  out.ForEach([&](const std::string&, const std::vector<int64_t>&, To* d, size_t c) {
    for (size_t j = 0; j < c; ++j) d[j] = static_cast<To>(src[i][j]);
    ++i;
  });
  return out;
}

template Rwkv7Params<double> CastParams<double, float>(const Rwkv7Params<float>&);
template Rwkv7Params<float> CastParams<float, double>(const Rwkv7Params<double>&);

}  // namespace rwkv::train
