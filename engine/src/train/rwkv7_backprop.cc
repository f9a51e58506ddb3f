// RWKV-7 forward and hand-written backward passes (see rwkv/train/rwkv7_backprop.h).
// Notation: rows are positions i = b * T + t; "colsum" sums a [rows, C] matrix over rows.
#include "rwkv/train/rwkv7_backprop.h"

#include <algorithm>
#include <cmath>

namespace rwkv::train {

namespace {

template <typename R>
using Mat = RowMat<R>;
template <typename R>
using Vec = ColVec<R>;
using Index = Eigen::Index;

template <typename R>
R Sigmoid(R x) {
  return R(1) / (R(1) + std::exp(-x));
}

// x * diag(v): multiplies column c of x by v[c].
template <typename R>
Mat<R> Scale(const Mat<R>& x, const Vec<R>& v) {
  return (x.array().rowwise() * v.transpose().array()).matrix();
}
template <typename R>
Mat<R> AddBias(const Mat<R>& x, const Vec<R>& v) {
  return (x.array().rowwise() + v.transpose().array()).matrix();
}
template <typename R>
Vec<R> ColSum(const Mat<R>& x) {
  return x.colwise().sum().transpose();
}

// Normalization of each row's consecutive groups of `group` values (LayerNorm: one group of C;
// GroupNorm: H groups of N):  y = (x - mean) / sqrt(var + eps) * w + b.
template <typename R>
struct Norm {
  Mat<R> xhat;
  std::vector<R> rstd;  // [rows * groups]
  int group = 0;
};

template <typename R>
void NormForward(const Mat<R>& x, int group, double eps, const Vec<R>& w, const Vec<R>& b,
                 Norm<R>* n, Mat<R>* y) {
  const Index rows = x.rows(), C = x.cols(), ng = C / group;
  n->group = group;
  n->xhat.resize(rows, C);
  n->rstd.assign(static_cast<size_t>(rows * ng), R(0));
  y->resize(rows, C);
#pragma omp parallel for
  for (Index i = 0; i < rows; ++i) {
    for (Index g = 0; g < ng; ++g) {
      const Index o = g * group;
      double mean = 0.0, var = 0.0;
      for (int j = 0; j < group; ++j) mean += x(i, o + j);
      mean /= group;
      for (int j = 0; j < group; ++j) {
        const double d = x(i, o + j) - mean;
        var += d * d;
      }
      var /= group;
      const R rs = static_cast<R>(1.0 / std::sqrt(var + eps));
      const R m = static_cast<R>(mean);
      n->rstd[static_cast<size_t>(i * ng + g)] = rs;
      for (int j = 0; j < group; ++j) {
        const R xh = (x(i, o + j) - m) * rs;
        n->xhat(i, o + j) = xh;
        (*y)(i, o + j) = xh * w[o + j] + b[o + j];
      }
    }
  }
}

// dx += rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)) per group, dxhat = dy * w;
// dw += colsum(dy * xhat); db += colsum(dy).
template <typename R>
void NormBackward(const Mat<R>& dy, const Norm<R>& n, const Vec<R>& w, Mat<R>* dx, Vec<R>* dw,
                  Vec<R>* db) {
  *dw += ColSum<R>((dy.array() * n.xhat.array()).matrix());
  *db += ColSum<R>(dy);
  const Index rows = dy.rows(), C = dy.cols(), group = n.group, ng = C / group;
#pragma omp parallel for
  for (Index i = 0; i < rows; ++i) {
    for (Index g = 0; g < ng; ++g) {
      const Index o = g * group;
      R m1 = 0, m2 = 0;
      for (Index j = 0; j < group; ++j) {
        const R dxh = dy(i, o + j) * w[o + j];
        m1 += dxh;
        m2 += dxh * n.xhat(i, o + j);
      }
      m1 /= R(group);
      m2 /= R(group);
      const R rs = n.rstd[static_cast<size_t>(i * ng + g)];
      for (Index j = 0; j < group; ++j) {
        const R dxh = dy(i, o + j) * w[o + j];
        (*dx)(i, o + j) += rs * (dxh - m1 - n.xhat(i, o + j) * m2);
      }
    }
  }
}

// Token shift within each sequence: sx[b, t] = x[b, t - 1], zero at t = 0.
template <typename R>
Mat<R> Shift(const Mat<R>& x, int T) {
  Mat<R> s = Mat<R>::Zero(x.rows(), x.cols());
  for (Index i = 0; i < x.rows(); ++i) {
    if (i % T != 0) s.row(i) = x.row(i - 1);
  }
  return s;
}
// Adjoint of Shift: dx[b, t - 1] += dsx[b, t].
template <typename R>
void ShiftBackward(const Mat<R>& dsx, int T, Mat<R>* dx) {
  for (Index i = 0; i < dsx.rows(); ++i) {
    if (i % T != 0) dx->row(i - 1) += dsx.row(i);
  }
}

// The delta-rule recurrence, per sequence b and head h, from the zero state:
//   S_t = S_{t-1} (diag(w_t) - kk_t (kk_t * a_t)^T) + v_t k_t^T,   y_t = S_t r_t
// (S[v][j]; the engine's order of operations). If `states` is not null it receives every S_t,
// [B * H][T][N][N].
template <typename R>
void WkvForward(int B, int T, int H, int N, const Mat<R>& r, const Mat<R>& w, const Mat<R>& k,
                const Mat<R>& v, const Mat<R>& kk, const Mat<R>& a, Mat<R>* y,
                std::vector<R>* states) {
  y->resize(r.rows(), r.cols());
  const size_t NN = static_cast<size_t>(N) * N;
  if (states) states->assign(static_cast<size_t>(B) * H * T * NN, R(0));
#pragma omp parallel for schedule(static)
  for (int bh = 0; bh < B * H; ++bh) {
    const int b = bh / H, o = (bh % H) * N;
    std::vector<R> S(NN, R(0)), sa(static_cast<size_t>(N));
    for (int t = 0; t < T; ++t) {
      const Index i = static_cast<Index>(b) * T + t;
      for (int vi = 0; vi < N; ++vi) {
        R s = 0;
        for (int j = 0; j < N; ++j) s += S[vi * N + j] * kk(i, o + j);
        sa[vi] = -s;
      }
      for (int vi = 0; vi < N; ++vi) {
        R* row = &S[static_cast<size_t>(vi) * N];
        const R vv = v(i, o + vi), sav = sa[vi];
        R acc = 0;
        for (int j = 0; j < N; ++j) {
          row[j] = row[j] * w(i, o + j) + sav * kk(i, o + j) * a(i, o + j) + vv * k(i, o + j);
          acc += row[j] * r(i, o + j);
        }
        (*y)(i, o + vi) = acc;
      }
      if (states) {
        std::copy(S.begin(), S.end(), states->begin() + ((static_cast<size_t>(bh) * T + t) * NN));
      }
    }
  }
}

// Backward through time of WkvForward given the stored states and dy. Overwrites dr, dw, dk, dv,
// dkk, da (each [rows, C]). With the carried dS = dL/dS_t, b = kk * a, u = S_{t-1} kk,
// q = dS b:  dS += dy r^T;  dr = S_t^T dy;  dv = dS k;  dk = dS^T v;  dw_j = sum_v S_{t-1}[v][j]
// dS[v][j];  db = -dS^T u;  dkk = -S_{t-1}^T q + db * a;  da = db * kk;
// dS_{t-1} = dS diag(w) - q kk^T.
template <typename R>
void WkvBackward(int B, int T, int H, int N, const Mat<R>& r, const Mat<R>& w, const Mat<R>& k,
                 const Mat<R>& v, const Mat<R>& kk, const Mat<R>& a, const std::vector<R>& states,
                 const Mat<R>& dy, Mat<R>* dr, Mat<R>* dw, Mat<R>* dk, Mat<R>* dv, Mat<R>* dkk,
                 Mat<R>* da) {
  for (Mat<R>* m : {dr, dw, dk, dv, dkk, da}) m->setZero(r.rows(), r.cols());
  const size_t NN = static_cast<size_t>(N) * N;
  const std::vector<R> zero(NN, R(0));
#pragma omp parallel for schedule(static)
  for (int bh = 0; bh < B * H; ++bh) {
    const int b = bh / H, o = (bh % H) * N;
    std::vector<R> dS(NN, R(0)), u(N), q(N), bv(N), db(N);
    for (int t = T - 1; t >= 0; --t) {
      const Index i = static_cast<Index>(b) * T + t;
      const R* St = &states[(static_cast<size_t>(bh) * T + t) * NN];
      const R* Sp = t > 0 ? St - NN : zero.data();
      for (int j = 0; j < N; ++j) bv[j] = kk(i, o + j) * a(i, o + j);
      for (int vi = 0; vi < N; ++vi) {
        const R dyv = dy(i, o + vi);
        R uu = 0;
        for (int j = 0; j < N; ++j) {
          dS[vi * N + j] += dyv * r(i, o + j);
          uu += Sp[vi * N + j] * kk(i, o + j);
        }
        u[vi] = uu;
      }
      for (int j = 0; j < N; ++j) db[j] = 0;
      for (int vi = 0; vi < N; ++vi) {
        const R dyv = dy(i, o + vi), vv = v(i, o + vi);
        R dvv = 0, qq = 0;
        for (int j = 0; j < N; ++j) {
          const R g = dS[vi * N + j];
          (*dr)(i, o + j) += St[vi * N + j] * dyv;
          (*dk)(i, o + j) += g * vv;
          (*dw)(i, o + j) += Sp[vi * N + j] * g;
          db[j] -= u[vi] * g;
          dvv += g * k(i, o + j);
          qq += g * bv[j];
        }
        (*dv)(i, o + vi) = dvv;
        q[vi] = qq;
      }
      for (int j = 0; j < N; ++j) {
        R s = 0;
        for (int vi = 0; vi < N; ++vi) s += q[vi] * Sp[vi * N + j];
        (*dkk)(i, o + j) = -s + db[j] * a(i, o + j);
        (*da)(i, o + j) = db[j] * kk(i, o + j);
      }
      for (int vi = 0; vi < N; ++vi) {
        for (int j = 0; j < N; ++j) {
          dS[vi * N + j] = dS[vi * N + j] * w(i, o + j) - q[vi] * kk(i, o + j);
        }
      }
    }
  }
}

template <typename R>
struct AttCache {
  Norm<R> ln1, gn;
  Mat<R> d;  // sx - xln
  Mat<R> xm[6];
  Mat<R> r, wlo, wsig, w, k, v, vfin, alo, a, glo, g, vlo, vg, kk, kmod, y, yn, out;
  std::vector<R> kinv, dot;  // per row and head
};

template <typename R>
struct FfnCache {
  Norm<R> ln2;
  Mat<R> d, xk, hpre, h;
};

constexpr double kLayerNormEps = 1e-5, kGroupNormEps = 64e-5, kNormalizeEps = 1e-12;

// Time mixing of layer `l` (time_mix_v7.cc): returns att(ln1(x)) and fills the cache.
template <typename R>
Mat<R> AttForward(const Rwkv7Layer<R>& L, const Rwkv7Shape& s, int l, int B, int T, const Mat<R>& x,
                  Mat<R>* v_first, AttCache<R>* c) {
  const int H = s.n_head(), N = s.head_size;
  const Index rows = x.rows();
  Mat<R> xln;
  NormForward(x, s.n_embd, kLayerNormEps, L.ln1_w, L.ln1_b, &c->ln1, &xln);
  c->d = Shift(xln, T) - xln;
  const Vec<R>* mix[6] = {&L.x_r, &L.x_w, &L.x_k, &L.x_v, &L.x_a, &L.x_g};
  for (int j = 0; j < 6; ++j) c->xm[j] = xln + Scale(c->d, *mix[j]);  // xr = x + xx * x_r ...
  c->r = c->xm[0] * L.att_r.transpose();
  // w = exp(-exp(-0.5) * sigmoid(w0 + tanh(xw @ w1) @ w2))
  c->wlo = (c->xm[1] * L.w1.transpose()).array().tanh().matrix();
  c->wsig = AddBias<R>(c->wlo * L.w2.transpose(), L.w0).unaryExpr([](R z) { return Sigmoid(z); });
  const R decay_scale = static_cast<R>(std::exp(-0.5));
  c->w = (c->wsig.array() * -decay_scale).exp().matrix();
  c->k = c->xm[2] * L.att_k.transpose();
  c->v = c->xm[3] * L.att_v.transpose();
  // a = sigmoid(a0 + (xa @ a1) @ a2);  g = sigmoid(xg @ g1) @ g2
  c->alo = c->xm[4] * L.a1.transpose();
  c->a = AddBias<R>(c->alo * L.a2.transpose(), L.a0).unaryExpr([](R z) { return Sigmoid(z); });
  c->glo = (c->xm[5] * L.g1.transpose()).unaryExpr([](R z) { return Sigmoid(z); });
  c->g = c->glo * L.g2.transpose();
  if (l == 0) {
    *v_first = c->v;
    c->vfin = c->v;
  } else {
    // v = v + (v_first - v) * sigmoid(v0 + (xv @ v1) @ v2)
    c->vlo = c->xm[3] * L.v1.transpose();
    c->vg = AddBias<R>(c->vlo * L.v2.transpose(), L.v0).unaryExpr([](R z) { return Sigmoid(z); });
    c->vfin = c->v + ((*v_first - c->v).array() * c->vg.array()).matrix();
  }
  // kk = normalize(k * k_k) per head;  k' = k * (1 + (a - 1) * k_a)
  c->kk = Scale(c->k, L.k_k);
  c->kinv.assign(static_cast<size_t>(rows * H), R(0));
  for (Index i = 0; i < rows; ++i) {
    for (int h = 0; h < H; ++h) {
      auto seg = c->kk.row(i).segment(h * N, N);
      const R inv = R(1) / std::max(static_cast<R>(seg.norm()), static_cast<R>(kNormalizeEps));
      c->kinv[static_cast<size_t>(i * H + h)] = inv;
      seg *= inv;
    }
  }
  c->kmod = (c->k.array() * (R(1) + (c->a.array() - R(1)).rowwise() * L.k_a.transpose().array()))
                .matrix();
  WkvForward<R>(B, T, H, N, c->r, c->w, c->kmod, c->vfin, c->kk, c->a, &c->y, nullptr);
  // out = group_norm(y) + sum_head(r * k' * r_k) * v;  att = (out * g) @ Wo
  NormForward(c->y, N, kGroupNormEps, L.ln_x_w, L.ln_x_b, &c->gn, &c->yn);
  c->out = c->yn;
  c->dot.assign(static_cast<size_t>(rows * H), R(0));
  for (Index i = 0; i < rows; ++i) {
    for (int h = 0; h < H; ++h) {
      R dot = 0;
      for (int j = h * N; j < (h + 1) * N; ++j) dot += c->r(i, j) * c->kmod(i, j) * L.r_k[j];
      c->dot[static_cast<size_t>(i * H + h)] = dot;
      c->out.row(i).segment(h * N, N) += dot * c->vfin.row(i).segment(h * N, N);
    }
  }
  return (c->out.array() * c->g.array()).matrix() * L.att_o.transpose();
}

// Backward of AttForward: adds d loss / d x to *dx, accumulates parameter gradients in G and
// the gradient of v_first in *dv_first (consumed at layer 0).
template <typename R>
void AttBackward(const Rwkv7Layer<R>& L, const Rwkv7Shape& s, int l, int B, int T,
                 const AttCache<R>& c, const Mat<R>& v_first, const Mat<R>& datt, Mat<R>* dx,
                 Mat<R>* dv_first, Rwkv7Layer<R>* G) {
  const int H = s.n_head(), N = s.head_size;
  const Index rows = datt.rows(), C = datt.cols();
  const Mat<R> z = (c.out.array() * c.g.array()).matrix();
  G->att_o.noalias() += datt.transpose() * z;
  const Mat<R> dz = datt * L.att_o;
  Mat<R> dout = (dz.array() * c.g.array()).matrix();
  const Mat<R> dg = (dz.array() * c.out.array()).matrix();
  Mat<R> dxm[6];
  // g = sigmoid(xg @ g1) @ g2
  G->g2.noalias() += dg.transpose() * c.glo;
  const Mat<R> dgpre = ((dg * L.g2).array() * c.glo.array() * (R(1) - c.glo.array())).matrix();
  G->g1.noalias() += dgpre.transpose() * c.xm[5];
  dxm[5] = dgpre * L.g1;
  // bonus: out = yn + dot * v',  dot = sum_head(r * k' * r_k)
  Mat<R> dvfin(rows, C), dr(rows, C), dkmod(rows, C);
  Mat<R> drk_rows(rows, C);
  for (Index i = 0; i < rows; ++i) {
    for (int h = 0; h < H; ++h) {
      const R dot = c.dot[static_cast<size_t>(i * H + h)];
      R ddot = 0;
      for (int j = h * N; j < (h + 1) * N; ++j) ddot += dout(i, j) * c.vfin(i, j);
      for (int j = h * N; j < (h + 1) * N; ++j) {
        dvfin(i, j) = dout(i, j) * dot;
        dr(i, j) = ddot * c.kmod(i, j) * L.r_k[j];
        dkmod(i, j) = ddot * c.r(i, j) * L.r_k[j];
        drk_rows(i, j) = ddot * c.r(i, j) * c.kmod(i, j);
      }
    }
  }
  G->r_k += ColSum(drk_rows);
  Mat<R> dy = Mat<R>::Zero(rows, C);
  NormBackward(dout, c.gn, L.ln_x_w, &dy, &G->ln_x_w, &G->ln_x_b);
  // The recurrence: states recomputed for this layer only.
  std::vector<R> states;
  Mat<R> y2;
  WkvForward<R>(B, T, H, N, c.r, c.w, c.kmod, c.vfin, c.kk, c.a, &y2, &states);
  Mat<R> dr2, dw, dk2, dv2, dkk, da;
  WkvBackward<R>(B, T, H, N, c.r, c.w, c.kmod, c.vfin, c.kk, c.a, states, dy, &dr2, &dw, &dk2, &dv2,
                 &dkk, &da);
  states.clear();
  dr += dr2;
  dkmod += dk2;
  dvfin += dv2;
  // k' = k * (1 + (a - 1) * k_a)
  const auto am1 = (c.a.array() - R(1));
  Mat<R> dk = (dkmod.array() * (R(1) + am1.rowwise() * L.k_a.transpose().array())).matrix();
  da += Scale<R>((dkmod.array() * c.k.array()).matrix(), L.k_a);
  G->k_a += ColSum<R>((dkmod.array() * c.k.array() * am1).matrix());
  // kk = p / max(|p|, eps), p = k * k_k:  dp = (dkk - kk (kk . dkk)) / |p|
  Mat<R> dp(rows, C);
  for (Index i = 0; i < rows; ++i) {
    for (int h = 0; h < H; ++h) {
      const R inv = c.kinv[static_cast<size_t>(i * H + h)];
      const auto kkh = c.kk.row(i).segment(h * N, N);
      const auto dkkh = dkk.row(i).segment(h * N, N);
      const bool clamped = inv >= static_cast<R>(1.0 / kNormalizeEps);
      if (clamped) {
        dp.row(i).segment(h * N, N) = dkkh * inv;
      } else {
        dp.row(i).segment(h * N, N) = (dkkh - kkh * kkh.dot(dkkh)) * inv;
      }
    }
  }
  dk += Scale(dp, L.k_k);
  G->k_k += ColSum<R>((dp.array() * c.k.array()).matrix());
  // v' = v + (v_first - v) * vg  (layer 0: v' = v, and v_first = v)
  Mat<R> dv;
  if (l == 0) {
    dv = dvfin + *dv_first;
  } else {
    dv = (dvfin.array() * (R(1) - c.vg.array())).matrix();
    *dv_first += (dvfin.array() * c.vg.array()).matrix();
    const Mat<R> dvpre =
        (dvfin.array() * (v_first - c.v).array() * c.vg.array() * (R(1) - c.vg.array())).matrix();
    G->v0 += ColSum(dvpre);
    G->v2.noalias() += dvpre.transpose() * c.vlo;
    const Mat<R> dvlo = dvpre * L.v2;
    G->v1.noalias() += dvlo.transpose() * c.xm[3];
    dxm[3] = dvlo * L.v1;
  }
  // a = sigmoid(a0 + (xa @ a1) @ a2)
  const Mat<R> dapre = (da.array() * c.a.array() * (R(1) - c.a.array())).matrix();
  G->a0 += ColSum(dapre);
  G->a2.noalias() += dapre.transpose() * c.alo;
  const Mat<R> dalo = dapre * L.a2;
  G->a1.noalias() += dalo.transpose() * c.xm[4];
  dxm[4] = dalo * L.a1;
  // w = exp(-e^-0.5 * s), s = sigmoid(w0 + tanh(xw @ w1) @ w2)
  const R decay_scale = static_cast<R>(std::exp(-0.5));
  const Mat<R> dwpre =
      (dw.array() * c.w.array() * (-decay_scale) * c.wsig.array() * (R(1) - c.wsig.array()))
          .matrix();
  G->w0 += ColSum(dwpre);
  G->w2.noalias() += dwpre.transpose() * c.wlo;
  const Mat<R> dtanh = ((dwpre * L.w2).array() * (R(1) - c.wlo.array() * c.wlo.array())).matrix();
  G->w1.noalias() += dtanh.transpose() * c.xm[1];
  dxm[1] = dtanh * L.w1;
  // r, k, v projections
  G->att_r.noalias() += dr.transpose() * c.xm[0];
  dxm[0] = dr * L.att_r;
  G->att_k.noalias() += dk.transpose() * c.xm[2];
  dxm[2] = dk * L.att_k;
  G->att_v.noalias() += dv.transpose() * c.xm[3];
  if (l == 0) {
    dxm[3] = dv * L.att_v;
  } else {
    dxm[3].noalias() += dv * L.att_v;
  }
  // xm_j = xln + d * mix_j, d = shift(xln) - xln
  const Vec<R>* mix[6] = {&L.x_r, &L.x_w, &L.x_k, &L.x_v, &L.x_a, &L.x_g};
  Vec<R>* gmix[6] = {&G->x_r, &G->x_w, &G->x_k, &G->x_v, &G->x_a, &G->x_g};
  Mat<R> dd = Mat<R>::Zero(rows, C), dxln = Mat<R>::Zero(rows, C);
  for (int j = 0; j < 6; ++j) {
    *gmix[j] += ColSum<R>((dxm[j].array() * c.d.array()).matrix());
    dd += Scale(dxm[j], *mix[j]);
    dxln += dxm[j];
  }
  dxln -= dd;
  ShiftBackward(dd, T, &dxln);
  NormBackward(dxln, c.ln1, L.ln1_w, dx, &G->ln1_w, &G->ln1_b);
}

// Channel mixing (channel_mix.cc, v7): out = relu(xk @ Wk)^2 @ Wv, xk = x + (sx - x) * x_k.
template <typename R>
Mat<R> FfnForward(const Rwkv7Layer<R>& L, const Rwkv7Shape& s, int T, const Mat<R>& x,
                  FfnCache<R>* c) {
  Mat<R> xln;
  NormForward(x, s.n_embd, kLayerNormEps, L.ln2_w, L.ln2_b, &c->ln2, &xln);
  c->d = Shift(xln, T) - xln;
  c->xk = xln + Scale(c->d, L.ffn_x_k);
  c->hpre = c->xk * L.ffn_key.transpose();
  c->h = c->hpre.unaryExpr([](R z) { return z > 0 ? z * z : R(0); });
  return c->h * L.ffn_value.transpose();
}

template <typename R>
void FfnBackward(const Rwkv7Layer<R>& L, int T, const FfnCache<R>& c, const Mat<R>& dout,
                 Mat<R>* dx, Rwkv7Layer<R>* G) {
  G->ffn_value.noalias() += dout.transpose() * c.h;
  const Mat<R> dhpre = ((dout * L.ffn_value).array() * c.hpre.array().unaryExpr([](R z) {
                         return z > 0 ? R(2) * z : R(0);
                       })).matrix();
  G->ffn_key.noalias() += dhpre.transpose() * c.xk;
  const Mat<R> dxk = dhpre * L.ffn_key;
  G->ffn_x_k += ColSum<R>((dxk.array() * c.d.array()).matrix());
  const Mat<R> dd = Scale(dxk, L.ffn_x_k);
  Mat<R> dxln = dxk - dd;
  ShiftBackward(dd, T, &dxln);
  NormBackward(dxln, c.ln2, L.ln2_w, dx, &G->ln2_w, &G->ln2_b);
}

}  // namespace

template <typename R>
R Rwkv7LossAndGrad(const Rwkv7Params<R>& p, const int32_t* tokens, const int32_t* targets, int B,
                   int T, Rwkv7Params<R>* grad, std::vector<R>* logits_out) {
  const Rwkv7Shape& s = p.shape;
  const int C = s.n_embd, V = s.n_vocab, nL = s.n_layer;
  const Index rows = static_cast<Index>(B) * T;
  // x = ln0(emb[token])
  Mat<R> x0(rows, C);
  for (Index i = 0; i < rows; ++i) x0.row(i) = p.emb.row(tokens[i]);
  Norm<R> ln0, lnout;
  Mat<R> x;
  NormForward(x0, C, kLayerNormEps, p.ln0_w, p.ln0_b, &ln0, &x);
  std::vector<AttCache<R>> att(static_cast<size_t>(nL));
  std::vector<FfnCache<R>> ffn(static_cast<size_t>(nL));
  Mat<R> v_first;
  for (int l = 0; l < nL; ++l) {
    const Rwkv7Layer<R>& L = p.layers[static_cast<size_t>(l)];
    x += AttForward(L, s, l, B, T, x, &v_first, &att[static_cast<size_t>(l)]);
    x += FfnForward(L, s, T, x, &ffn[static_cast<size_t>(l)]);
  }
  Mat<R> xo;
  NormForward(x, C, kLayerNormEps, p.ln_out_w, p.ln_out_b, &lnout, &xo);
  Mat<R> logits = xo * p.head.transpose();
  if (logits_out) logits_out->assign(logits.data(), logits.data() + logits.size());
  // loss = mean_i (logsumexp(logits_i) - logits_i[target_i]);  dlogits = (softmax - onehot) / n
  double loss = 0.0;
  Mat<R> dlogits(rows, V);
  for (Index i = 0; i < rows; ++i) {
    const R m = logits.row(i).maxCoeff();
    double z = 0.0;
    for (int j = 0; j < V; ++j) z += std::exp(static_cast<double>(logits(i, j) - m));
    loss += std::log(z) + m - logits(i, targets[i]);
    for (int j = 0; j < V; ++j) {
      dlogits(i, j) =
          static_cast<R>(std::exp(static_cast<double>(logits(i, j) - m)) / z / double(rows));
    }
    dlogits(i, targets[i]) -= static_cast<R>(1.0 / double(rows));
  }
  loss /= double(rows);
  if (!grad) return static_cast<R>(loss);

  *grad = Rwkv7Params<R>::Zeros(s);
  Rwkv7Params<R>& G = *grad;
  G.head.noalias() = dlogits.transpose() * xo;
  const Mat<R> dxo = dlogits * p.head;
  Mat<R> dx = Mat<R>::Zero(rows, C);
  NormBackward(dxo, lnout, p.ln_out_w, &dx, &G.ln_out_w, &G.ln_out_b);
  Mat<R> dv_first = Mat<R>::Zero(rows, C);
  for (int l = nL - 1; l >= 0; --l) {
    const Rwkv7Layer<R>& L = p.layers[static_cast<size_t>(l)];
    Rwkv7Layer<R>* GL = &G.layers[static_cast<size_t>(l)];
    const Mat<R> dffn = dx;
    FfnBackward(L, T, ffn[static_cast<size_t>(l)], dffn, &dx, GL);
    const Mat<R> datt = dx;
    AttBackward(L, s, l, B, T, att[static_cast<size_t>(l)], v_first, datt, &dx, &dv_first, GL);
  }
  Mat<R> dx0 = Mat<R>::Zero(rows, C);
  NormBackward(dx, ln0, p.ln0_w, &dx0, &G.ln0_w, &G.ln0_b);
  for (Index i = 0; i < rows; ++i) G.emb.row(tokens[i]) += dx0.row(i);
  return static_cast<R>(loss);
}

template float Rwkv7LossAndGrad<float>(const Rwkv7Params<float>&, const int32_t*, const int32_t*,
                                       int, int, Rwkv7Params<float>*, std::vector<float>*);
template double Rwkv7LossAndGrad<double>(const Rwkv7Params<double>&, const int32_t*, const int32_t*,
                                         int, int, Rwkv7Params<double>*, std::vector<double>*);

}  // namespace rwkv::train
