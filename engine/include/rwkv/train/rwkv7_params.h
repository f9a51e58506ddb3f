// RWKV-7 trainable parameters: shapes, official names, and the official initialization.
//
// Tensors use the engine's canonical forms (rwkv/model.h): every matrix [out, in], low-rank
// w1/a1/v1/g1 [D, C] and w2/a2/v2/g2 [C, D], per-channel vectors [C], r_k [H, N]. Layer 0 has no
// v0/v1/v2 (its v is the value residual source); those tensors are empty there.
// Thread-safety: plain values; no shared state.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <string>
#include <vector>

#include "rwkv/status.h"

namespace rwkv::train {

struct Rwkv7Shape {
  int n_layer = 2;
  int n_embd = 16;
  int head_size = 8;
  int n_vocab = 32;
  int n_ffn = 64;  // official: 4 * n_embd
  int w_lora = 32, a_lora = 32, v_lora = 32, g_lora = 32;
  int n_head() const { return n_embd / head_size; }
  // The official sizes for n_embd: n_ffn = 4C, low-rank sizes max(32, round(s * C^p / 32) * 32)
  // with (s, p) = w (1.8, 0.5), a (1.8, 0.5), v (1.3, 0.5), g (0.6, 0.8).
  static Rwkv7Shape Official(int n_layer, int n_embd, int head_size, int n_vocab);
  // Errors: non-positive sizes, n_embd not a multiple of head_size.
  Status Validate() const;
};

template <typename R>
using RowMat = Eigen::Matrix<R, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <typename R>
using ColVec = Eigen::Matrix<R, Eigen::Dynamic, 1>;

template <typename R>
struct Rwkv7Layer {
  ColVec<R> ln1_w, ln1_b, ln2_w, ln2_b;
  ColVec<R> x_r, x_w, x_k, x_v, x_a, x_g;  // token-shift mixes
  ColVec<R> w0, a0, v0, k_k, k_a, r_k;     // r_k holds H * N values
  ColVec<R> ln_x_w, ln_x_b;
  RowMat<R> att_r, att_k, att_v, att_o;  // [C, C]
  RowMat<R> w1, w2, a1, a2, v1, v2, g1, g2;
  ColVec<R> ffn_x_k;
  RowMat<R> ffn_key, ffn_value;  // [F, C], [C, F]
};

template <typename R>
struct Rwkv7Params {
  Rwkv7Shape shape;
  RowMat<R> emb, head;  // [V, C]
  ColVec<R> ln0_w, ln0_b, ln_out_w, ln_out_b;
  std::vector<Rwkv7Layer<R>> layers;

  // All tensors zero, sized for `shape`.
  static Rwkv7Params Zeros(const Rwkv7Shape& shape);
  // Calls f(official_name, shape_in_pytorch_order, data, count) for every non-empty tensor, in a
  // fixed order (the order of optimizer state and checkpoints).
  template <typename F>
  void ForEach(F&& f);
  template <typename F>
  void ForEach(F&& f) const {
    const_cast<Rwkv7Params*>(this)->ForEach(
        [&](const std::string& n, const std::vector<int64_t>& s, R* d, size_t c) {
          f(n, s, static_cast<const R*>(d), c);
        });
  }
  size_t Count() const;
  void SetZero();
};

// The official RWKV-7 initialization (BlinkDL's RWKV-LM, RWKV-v7 train code), deterministic for
// `seed`; see the definition for each formula.
Rwkv7Params<float> InitRwkv7(const Rwkv7Shape& shape, uint64_t seed);

// Element-wise conversion (double-precision gradient checks).
template <typename To, typename From>
Rwkv7Params<To> CastParams(const Rwkv7Params<From>& p);

// ---- implementation of the visitor ----
template <typename R>
template <typename F>
void Rwkv7Params<R>::ForEach(F&& f) {
  const int64_t C = shape.n_embd, V = shape.n_vocab, H = shape.n_head(), N = shape.head_size;
  auto mat = [&](const std::string& n, RowMat<R>& m) {
    if (m.size() > 0) f(n, std::vector<int64_t>{m.rows(), m.cols()}, m.data(), size_t(m.size()));
  };
  auto vec = [&](const std::string& n, ColVec<R>& v) {
    if (v.size() > 0) f(n, std::vector<int64_t>{v.size()}, v.data(), size_t(v.size()));
  };
  (void)C;
  (void)V;
  mat("emb.weight", emb);
  vec("blocks.0.ln0.weight", ln0_w);
  vec("blocks.0.ln0.bias", ln0_b);
  for (size_t l = 0; l < layers.size(); ++l) {
    Rwkv7Layer<R>& L = layers[l];
    const std::string p = "blocks." + std::to_string(l) + ".", a = p + "att.", m = p + "ffn.";
    vec(p + "ln1.weight", L.ln1_w);
    vec(p + "ln1.bias", L.ln1_b);
    vec(p + "ln2.weight", L.ln2_w);
    vec(p + "ln2.bias", L.ln2_b);
    vec(a + "x_r", L.x_r);
    vec(a + "x_w", L.x_w);
    vec(a + "x_k", L.x_k);
    vec(a + "x_v", L.x_v);
    vec(a + "x_a", L.x_a);
    vec(a + "x_g", L.x_g);
    vec(a + "w0", L.w0);
    vec(a + "a0", L.a0);
    vec(a + "v0", L.v0);
    vec(a + "k_k", L.k_k);
    vec(a + "k_a", L.k_a);
    if (L.r_k.size() > 0) f(a + "r_k", std::vector<int64_t>{H, N}, L.r_k.data(), size_t(H * N));
    mat(a + "w1", L.w1);
    mat(a + "w2", L.w2);
    mat(a + "a1", L.a1);
    mat(a + "a2", L.a2);
    mat(a + "v1", L.v1);
    mat(a + "v2", L.v2);
    mat(a + "g1", L.g1);
    mat(a + "g2", L.g2);
    mat(a + "receptance.weight", L.att_r);
    mat(a + "key.weight", L.att_k);
    mat(a + "value.weight", L.att_v);
    mat(a + "output.weight", L.att_o);
    vec(a + "ln_x.weight", L.ln_x_w);
    vec(a + "ln_x.bias", L.ln_x_b);
    vec(m + "x_k", L.ffn_x_k);
    mat(m + "key.weight", L.ffn_key);
    mat(m + "value.weight", L.ffn_value);
  }
  vec("ln_out.weight", ln_out_w);
  vec("ln_out.bias", ln_out_b);
  mat("head.weight", head);
}

}  // namespace rwkv::train
