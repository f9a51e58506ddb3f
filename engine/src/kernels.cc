#include "kernels.h"

#include "row_dot.h"

#include <omp.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace rwkv {

namespace {

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstMap = Eigen::Map<const RowMajor>;

// Rows per work item of the matrix-matrix path: about a twelfth of the rows (so 1, 2, 3, 4 or 6
// threads share the work evenly), between 128 and 256 (each product re-packs X, so larger is
// cheaper: 128 beat 64 by ~5% on 768-row matrices at 2 threads; a dequantized tile of 256 rows
// still fits in L2). It depends on the matrix alone, so the result of every output does not
// depend on the number of threads.
int RowChunk(int rows) {
  const int twelfth = ((rows + 11) / 12 + 15) / 16 * 16;
  return std::max(128, std::min(256, twelfth));
}

// A product is worth a parallel region from ~2^18 multiply-adds (tens of microseconds on one
// core); WorthParallel counts work in elementwise values, about four multiply-adds each.
bool Parallel(const Matrix& W, int T) {
  return WorthParallel(static_cast<int64_t>(W.rows) * W.cols * T / 4);
}

}  // namespace

void Linear(const Matrix& W, const float* X, int T, float* Y) {
  if (T == 1) {
#pragma omp parallel for schedule(static) if (Parallel(W, 1))
    for (int r = 0; r < W.rows; ++r) Y[r] = RowDot(W.dtype, W.Row(r), X, W.cols);
    return;
  }
  // Eigen must not start threads of its own inside ours (and results must not depend on it).
  static const bool single_threaded_eigen = [] {
    Eigen::setNbThreads(1);
    return true;
  }();
  (void)single_threaded_eigen;
  const int chunk = RowChunk(W.rows);
  const int n_chunks = (W.rows + chunk - 1) / chunk;
  // In column-major terms the row-major X [T][K] is X^T [K][T] and Y [T][R] is Y^T [R][T], so
  // Y^T[r0:r0+n] = W[r0:r0+n] @ X^T reads and writes both in place.
  const Eigen::Map<const Eigen::MatrixXf> xt(X, W.cols, T);
  Eigen::Map<Eigen::MatrixXf> yt(Y, W.rows, T);
#pragma omp parallel if (Parallel(W, T))
  {
    std::vector<float> tile;
#pragma omp for schedule(dynamic)
    for (int ci = 0; ci < n_chunks; ++ci) {
      const int r0 = ci * chunk;
      const int n = std::min(chunk, W.rows - r0);
      // The rows are converted (FP32: copied) into a contiguous tile first, even when they are
      // FP32 already: streaming them in once is faster than Eigen's packing gathering them from
      // memory (v4-169M FP32 prefill, 2 threads: 1,100 vs 965 tokens/s).
      tile.resize(static_cast<size_t>(n) * W.cols);
      for (int r = 0; r < n; ++r) {
        RowToFloat(W.dtype, W.Row(r0 + r), tile.data() + static_cast<size_t>(r) * W.cols, W.cols);
      }
      yt.middleRows(r0, n).noalias() = ConstMap(tile.data(), n, W.cols) * xt;
    }
  }
}

void LayerNorm(const float* x, const float* w, const float* b, int n, float* out, float eps) {
  double mean = 0.0;
  for (int i = 0; i < n; ++i) mean += x[i];
  mean /= n;
  double var = 0.0;
  for (int i = 0; i < n; ++i) {
    const double d = x[i] - mean;
    var += d * d;
  }
  var /= n;
  const float inv = static_cast<float>(1.0 / std::sqrt(var + eps));
  const float m = static_cast<float>(mean);
  for (int i = 0; i < n; ++i) out[i] = (x[i] - m) * inv * w[i] + b[i];
}

void LerpMix(const float* x, const float* sx, const Vec& mix, int T, int C, float* out) {
  PerChannel(T, C, [&](size_t i, int ch) { out[i] = x[i] * mix[ch] + sx[i] * (1 - mix[ch]); });
}

void DeltaMix(const float* x, const float* sx, const Vec& mix, int T, int C, float* out) {
  PerChannel(T, C, [&](size_t i, int ch) { out[i] = x[i] + (sx[i] - x[i]) * mix[ch]; });
}

void LayerNormRows(const float* x, const Vec& w, const Vec& b, int T, int n, float* out) {
  ParallelFor(T, static_cast<int64_t>(T) * n, [&](int t) {
    const size_t o = static_cast<size_t>(t) * n;
    LayerNorm(x + o, w.data(), b.data(), n, out + o);
  });
}

void AddRows(const float* d, int T, int n, float* y) {
  ParallelFor(T, static_cast<int64_t>(T) * n, [&](int t) {
    const size_t o = static_cast<size_t>(t) * n;
    for (int i = 0; i < n; ++i) y[o + i] += d[o + i];
  });
}

void SiluGate(const float* g, int T, int n, float* y) {
  ParallelFor(T, static_cast<int64_t>(T) * n * 4, [&](int t) {
    const size_t o = static_cast<size_t>(t) * n;
    for (int i = 0; i < n; ++i) y[o + i] *= g[o + i] * Sigmoid(g[o + i]);
  });
}

void GroupNorm(float* x, const float* w, const float* b, int n, int groups, float eps) {
  const int g = n / groups;
  for (int h = 0; h < groups; ++h) {
    float* xs = x + h * g;
    double mean = 0.0;
    for (int i = 0; i < g; ++i) mean += xs[i];
    mean /= g;
    double var = 0.0;
    for (int i = 0; i < g; ++i) {
      const double d = xs[i] - mean;
      var += d * d;
    }
    var /= g;
    const float inv = static_cast<float>(1.0 / std::sqrt(var + eps));
    const float m = static_cast<float>(mean);
    for (int i = 0; i < g; ++i) {
      const int c = h * g + i;
      xs[i] = (xs[i] - m) * inv * w[c] + b[c];
    }
  }
}

void EmbeddingRow(const Matrix& emb, int token, float* out) {
  DequantizeRow(emb.dtype, emb.Row(token), out, emb.cols);
}

}  // namespace rwkv
