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
using MutMap = Eigen::Map<RowMajor>;

// Rows per work item of the matrix-matrix path: about a twelfth of the rows (so 1, 2, 3, 4 or 6
// threads share the work evenly), between 64 and 256 (each product re-packs X, so larger is
// cheaper; a dequantized tile of 256 rows still fits in L2). It depends on the matrix alone, so
// the result of every output does not depend on the number of threads.
int RowChunk(int rows) {
  const int twelfth = ((rows + 11) / 12 + 15) / 16 * 16;
  return std::max(64, std::min(256, twelfth));
}

// Worth a parallel region: at least ~2^18 multiply-adds (tens of microseconds on one core).
// Smaller products lose more to waking and joining threads than they gain.
bool Parallel(const Matrix& W, int T) {
  return static_cast<int64_t>(W.rows) * W.cols * T >= (1 << 18) && omp_get_max_threads() > 1;
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
  // The products run in column-major form, Yc = Xc @ W[rows]^T, where Eigen packs both operands
  // by copying contiguous runs (Xc: X in column-major order, made once; W[rows]^T: the weight
  // rows as they are stored). A row-major product would gather with strides instead.
  const Eigen::MatrixXf x = ConstMap(X, T, W.cols);
  MutMap y(Y, T, W.rows);
#pragma omp parallel if (Parallel(W, T))
  {
    std::vector<float> tile;
    Eigen::MatrixXf yc;
#pragma omp for schedule(dynamic)
    for (int ci = 0; ci < n_chunks; ++ci) {
      const int r0 = ci * chunk;
      const int n = std::min(chunk, W.rows - r0);
      const float* w;
      if (W.dtype == DType::kF32) {
        w = reinterpret_cast<const float*>(W.Row(r0));
      } else {
        tile.resize(static_cast<size_t>(n) * W.cols);
        for (int r = 0; r < n; ++r) {
          RowToFloat(W.dtype, W.Row(r0 + r), tile.data() + static_cast<size_t>(r) * W.cols, W.cols);
        }
        w = tile.data();
      }
      // Y[:, r0:r0+n] = X @ W[r0:r0+n]^T
      yc.noalias() = x * ConstMap(w, n, W.cols).transpose();
      y.middleCols(r0, n) = yc;
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
