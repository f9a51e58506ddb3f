#include "rwkv/bf16_layer_norm.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "rwkv/tensor.h"

// Built with -ffp-contract=off (engine/CMakeLists.txt): every float operation below must round
// on its own, as PyTorch's separate vector multiplies and adds do.

namespace rwkv {

namespace {

constexpr int kLanes = 16;  // values in one of PyTorch's 256-bit bfloat16 vectors
constexpr int kChunk = 16;  // vectors per Welford chunk before the cascade merges it

using Lanes = std::array<float, kLanes>;

// bfloat16 arithmetic: the operation in float, rounded to the nearest even bfloat16.
float Bf(float v) { return BFloat16ToFloat(FloatToBFloat16(v)); }
float Add(float a, float b) { return Bf(a + b); }
float Sub(float a, float b) { return Bf(a - b); }
float Mul(float a, float b) { return Bf(a * b); }
float Div(float a, float b) { return Bf(a / b); }
float Count(int64_t n) { return Bf(static_cast<float>(n)); }  // an integer cast to bfloat16

// Running moments: count, mean, sum of squared deviations.
struct Moments {
  int64_t n = 0;
  float m1 = 0.0f, m2 = 0.0f;
};

// Merges (add_n, add_m1, add_m2) into *into (Chan et al.):
//   c = add_n / n; delta = add_m1 - m1; m1 += c * delta; m2 += add_m2 + delta^2 * c * old_n.
void Merge(int64_t add_n, float add_m1, float add_m2, int64_t* into_n, float* m1, float* m2) {
  const int64_t n = *into_n + add_n;
  const float c = n == 0 ? 0.0f : Div(Count(add_n), Count(n));
  const float delta = Sub(add_m1, *m1);
  *m1 = Add(*m1, Mul(c, delta));
  *m2 = Add(*m2, Add(add_m2, Mul(Mul(Mul(delta, delta), c), Count(*into_n))));
  *into_n = n;
}

// The same merge for every lane of a vector of moments (one count for all lanes).
struct LaneMoments {
  int64_t n = 0;
  Lanes m1{}, m2{};
};

void MergeLanes(const LaneMoments& add, LaneMoments* into) {
  for (int l = 0; l < kLanes; ++l) {
    int64_t n = into->n;
    Merge(add.n, add.m1[l], add.m2[l], &n, &into->m1[l], &into->m2[l]);
  }
  into->n += add.n;
}

// ceil(log2(x)), at least 1.
int CeilLog2(int64_t x) {
  int d = 1;
  while ((int64_t{1} << d) < x) ++d;
  return d;
}

// Mean and biased variance of x[0..n) in PyTorch 1.13's bfloat16 RowwiseMoments order: each lane
// l runs Welford over x[l], x[l + 16], ... in chunks of 16 steps (step j weighted by
// bf16(1 / (j + 1))); chunks merge pairwise up a stack; leftover values (n % 16) run Welford
// alone; then the 16 lanes merge into them one by one.
Moments RowwiseMoments(const float* x, int n) {
  const int64_t vectors = n / kLanes;
  const int64_t chunks = (vectors + kChunk - 1) / kChunk;
  const int depth = CeilLog2(chunks);
  std::vector<LaneMoments> stack(static_cast<size_t>(depth));
  for (int64_t i = 0; i < chunks; ++i) {
    const float* chunk = x + i * kChunk * kLanes;
    LaneMoments part;
    part.n = std::min<int64_t>(kChunk, vectors - i * kChunk);
    for (int64_t j = 0; j < part.n; ++j) {
      const float c = Div(1.0f, Count(j + 1));
      for (int l = 0; l < kLanes; ++l) {
        const float v = chunk[j * kLanes + l];
        const float delta = Sub(v, part.m1[l]);
        part.m1[l] = Add(part.m1[l], Mul(delta, c));
        part.m2[l] = Add(part.m2[l], Mul(delta, Sub(v, part.m1[l])));
      }
    }
    MergeLanes(part, &stack[0]);
    for (int64_t mask = i + 1, j = 1; j < depth && (mask & 1) == 0; ++j, mask >>= 1) {
      MergeLanes(stack[static_cast<size_t>(j - 1)], &stack[static_cast<size_t>(j)]);
      stack[static_cast<size_t>(j - 1)] = LaneMoments();
    }
  }
  for (int j = 1; j < depth; ++j) MergeLanes(stack[static_cast<size_t>(j)], &stack[0]);

  Moments all;
  for (int64_t i = vectors * kLanes; i < n; ++i) {
    const float delta = Sub(x[i], all.m1);
    ++all.n;
    all.m1 = Add(all.m1, Div(delta, Count(all.n)));
    all.m2 = Add(all.m2, Mul(delta, Sub(x[i], all.m1)));
  }
  for (int l = 0; l < kLanes; ++l) {
    Merge(vectors, stack[0].m1[l], stack[0].m2[l], &all.n, &all.m1, &all.m2);
  }
  all.m2 = Div(all.m2, Count(n));  // now the variance
  return all;
}

}  // namespace

void LayerNormBf16LikeTorch(const float* x, const float* w, const float* b, int n, float* out) {
  const Moments mo = RowwiseMoments(x, n);
  const float rstd = Div(1.0f, Bf(std::sqrt(Add(mo.m2, Bf(1e-5f)))));
  const float shift = Mul(-rstd, mo.m1);
  for (int i = 0; i < n; ++i) {
    const float scaled = x[i] * rstd + shift;
    out[i] = Bf(scaled * w[i] + b[i]);
  }
}

}  // namespace rwkv
