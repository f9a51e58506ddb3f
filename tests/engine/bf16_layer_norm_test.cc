// LayerNormBf16LikeTorch against PyTorch 1.13's own CPU layer_norm on bfloat16 tensors. The
// expected numbers come from (python3 with Debian 12's python3-torch 1.13.1):
//   import torch; from torch.nn import functional as F
//   for N in (100, 768, 4096):
//       i = torch.arange(N, dtype=torch.float64)
//       x = (((i * 37) % 101) - 50) / 32 + 0.75
//       w = 1 + (((i * 13) % 17) - 8) / 64
//       b = (((i * 7) % 11) - 5) / 128
//       y = F.layer_norm(x.bfloat16(), (N,), weight=w.bfloat16(), bias=b.bfloat16()).double()
//       print(N, repr(y.sum().item()), repr((y * y).sum().item()), repr(y[0].item()),
//             repr(y[N - 1].item()))
// The outputs are bfloat16 values, so both sums are exact in double: a single value one bfloat16
// step off changes them. N = 100 has a tail after the 16-value vectors, 768 and 4096 merge
// several chunks (768 = 3 chunks, 4096 = 16); in 33, 563 and 2821 of the values the result
// differs from an FP32 LayerNorm rounded to bfloat16.
#include "rwkv/bf16_layer_norm.h"

#include <gtest/gtest.h>

#include <vector>

namespace rwkv {
namespace {

struct Expected {
  int n;
  double sum, sum_sq;
  float first, last;
};

TEST(LayerNormBf16LikeTorch, MatchesPyTorchBitForBit) {
  const Expected cases[] = {
      {100, 0.69189453125, 100.06684994697571, -1.53125f, -0.87109375f},
      {768, -3.347015380859375, 778.7074170196429, -1.546875f, 1.6796875f},
      {4096, -9.553985595703125, 4152.982791410643, -1.546875f, -1.1640625f},
  };
  for (const Expected& e : cases) {
    std::vector<float> x(e.n), w(e.n), b(e.n), y(e.n);
    for (int i = 0; i < e.n; ++i) {  // all exact bfloat16 values
      x[i] = static_cast<float>((i * 37) % 101 - 50) / 32.0f + 0.75f;
      w[i] = 1.0f + static_cast<float>((i * 13) % 17 - 8) / 64.0f;
      b[i] = static_cast<float>((i * 7) % 11 - 5) / 128.0f;
    }
    LayerNormBf16LikeTorch(x.data(), w.data(), b.data(), e.n, y.data());
    double sum = 0.0, sum_sq = 0.0;
    for (float v : y) {
      sum += v;
      sum_sq += static_cast<double>(v) * v;
    }
    EXPECT_EQ(sum, e.sum) << "n " << e.n;
    EXPECT_EQ(sum_sq, e.sum_sq) << "n " << e.n;
    EXPECT_EQ(y.front(), e.first) << "n " << e.n;
    EXPECT_EQ(y.back(), e.last) << "n " << e.n;
  }
}

// In place (out == x) gives the same values.
TEST(LayerNormBf16LikeTorch, InPlace) {
  const int n = 768;
  std::vector<float> x(n), w(n, 1.0f), b(n, 0.0f), y(n);
  for (int i = 0; i < n; ++i) x[i] = static_cast<float>((i * 29) % 61 - 30) / 16.0f;
  LayerNormBf16LikeTorch(x.data(), w.data(), b.data(), n, y.data());
  LayerNormBf16LikeTorch(x.data(), w.data(), b.data(), n, x.data());
  EXPECT_EQ(x, y);
}

}  // namespace
}  // namespace rwkv
