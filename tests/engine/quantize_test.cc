// Quantization: bit-exact against rwkv.cpp's own quantizer output (the tiny Q4_0/Q4_1/Q8_0
// files were made from the FP32 files by it), and error bounds derived by hand from the block
// formulas in quantize.h.
#include "rwkv/quantize.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "rwkv/bin_format.h"
#include "shared_data.h"

namespace rwkv {
namespace {

std::vector<float> RoundTrip(DType t, const std::vector<float>& x) {
  std::vector<uint8_t> q(DTypeBytes(t, static_cast<int64_t>(x.size())));
  QuantizeRow(t, x.data(), q.data(), static_cast<int64_t>(x.size()));
  std::vector<float> y(x.size());
  DequantizeRow(t, q.data(), y.data(), static_cast<int64_t>(x.size()));
  return y;
}

// rwkv.cpp computes x / d + 0.5 (or + 8.5, + 16.5) in float; whether the compiler fused that
// multiply-add decides a few exact-tie blocks, and the peer files were built both ways. So:
// nearly every block must be byte-identical, and any other block may differ by one level only.
TEST(QuantizeTest, MatchesRwkvCppQuantizedFiles) {
  REQUIRE_SHARED();
  for (const char* model : {"4v0-660K", "5v1-730K", "5v2-730K", "7v0-834K"}) {
    const std::string base = std::string("models/tiny/tiny-rwkv-") + model;
    auto fp32 = ReadRwkvCppFile(testing::SharedPath(base + "-FP32.bin"));
    ASSERT_TRUE(fp32.ok()) << fp32.status().ToString();
    for (const char* format : {"Q4_0", "Q4_1", "Q8_0"}) {
      auto quant = ReadRwkvCppFile(testing::SharedPath(base + "-" + format + ".bin"));
      ASSERT_TRUE(quant.ok()) << quant.status().ToString();
      int64_t blocks = 0, identical = 0;
      for (const auto& [name, t] : quant->tensors()) {
        if (!IsQuantized(t.dtype)) continue;
        const Tensor* src = fp32->Find(name);
        ASSERT_NE(src, nullptr) << name;
        ASSERT_EQ(src->dtype, DType::kF32);
        const int64_t n = src->numel();
        std::vector<uint8_t> ours(t.nbytes);
        QuantizeRow(t.dtype, reinterpret_cast<const float*>(src->data), ours.data(), n);
        std::vector<float> a(static_cast<size_t>(n)), b(static_cast<size_t>(n));
        DequantizeRow(t.dtype, ours.data(), a.data(), n);
        DequantizeRow(t.dtype, t.data, b.data(), n);
        const int bb = DTypeBlockBytes(t.dtype);
        for (int64_t k = 0; k < n / 32; ++k) {
          ++blocks;
          if (std::equal(ours.begin() + k * bb, ours.begin() + (k + 1) * bb, t.data + k * bb)) {
            ++identical;
            continue;
          }
          // Same scale (the first two bytes), values at most one level apart.
          ASSERT_TRUE(std::equal(ours.begin() + k * bb, ours.begin() + k * bb + 2, t.data + k * bb))
              << model << " " << format << " " << name << " block " << k;
          const float step = std::fabs(
              HalfToFloat(static_cast<uint16_t>(t.data[k * bb] | t.data[k * bb + 1] << 8)));
          for (int j = 0; j < 32; ++j) {
            ASSERT_LE(std::fabs(a[k * 32 + j] - b[k * 32 + j]), step * 1.0001f)
                << model << " " << format << " " << name << " block " << k;
          }
        }
      }
      ASSERT_GT(blocks, 0) << model << " " << format;
      EXPECT_GE(identical, blocks * 995 / 1000) << model << " " << format;
      if (identical != blocks) {
        std::printf("  %s %s: %lld of %lld blocks byte-identical\n", model, format,
                    static_cast<long long>(identical), static_cast<long long>(blocks));
      }
    }
  }
}

// Random blocks with varied scales and offsets, some all-positive, some constant.
std::vector<float> TestValues() {
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> x;
  for (int b = 0; b < 400; ++b) {
    const float scale = std::pow(10.0f, static_cast<float>(b % 9) - 4.0f);
    const float offset = b % 3 == 0 ? 3.0f * scale : 0.0f;
    for (int j = 0; j < 32; ++j) x.push_back(b % 50 == 7 ? 0.25f : offset + scale * normal(rng));
  }
  return x;
}

TEST(QuantizeTest, RoundTripErrorStaysWithinTheBlockStep) {
  const std::vector<float> x = TestValues();
  // Largest error from storing a positive value v as FP16: half an ulp, and at least half the
  // subnormal spacing 2^-24.
  auto half_err = [](float v) { return std::max(std::fabs(v) / 2048, std::ldexp(1.0f, -25)); };
  for (DType t : {DType::kQ8_0, DType::kQ4_0, DType::kQ5_0, DType::kQ4_1, DType::kQ5_1}) {
    const std::vector<float> y = RoundTrip(t, x);
    for (size_t b = 0; b < x.size() / 32; ++b) {
      const float* xb = &x[b * 32];
      float amax = 0.0f, lo = xb[0], hi = xb[0];
      for (int j = 0; j < 32; ++j) {
        amax = std::max(amax, std::fabs(xb[j]));
        lo = std::min(lo, xb[j]);
        hi = std::max(hi, xb[j]);
      }
      // Hand-derived bounds with step d: half a step from rounding (a whole step where
      // Q4_0/Q5_0 clamp the top level), plus |q| times the FP16 error of d, plus that of min.
      float bound = 0.0f;
      switch (t) {
        case DType::kQ8_0:
          bound = amax / 127 / 2 + 127 * half_err(amax / 127);
          break;
        case DType::kQ4_0:
          bound = amax / 8 + 8 * half_err(amax / 8);
          break;
        case DType::kQ5_0:
          bound = amax / 16 + 16 * half_err(amax / 16);
          break;
        case DType::kQ4_1:
          bound = (hi - lo) / 15 / 2 + 15 * half_err((hi - lo) / 15) + half_err(lo);
          break;
        case DType::kQ5_1:
          bound = (hi - lo) / 31 / 2 + 31 * half_err((hi - lo) / 31) + half_err(lo);
          break;
        default:
          break;
      }
      bound = bound * 1.001f + 1e-30f;
      for (int j = 0; j < 32; ++j) {
        ASSERT_LE(std::fabs(y[b * 32 + j] - xb[j]), bound)
            << DTypeName(t) << " block " << b << " value " << j << ": " << xb[j] << " -> "
            << y[b * 32 + j];
      }
    }
  }
}

TEST(QuantizeTest, ValuesOnTheGridRoundTripExactly) {
  // Q8_0: amax 31.75 gives d = 0.25 exactly, so every multiple of 0.25 in range is kept.
  std::vector<float> x;
  for (int j = 0; j < 32; ++j)
    x.push_back(0.25f * static_cast<float>(j * 8 - 127 + (j == 31 ? 6 : 0)));
  EXPECT_EQ(RoundTrip(DType::kQ8_0, x), x);
  // Q4_1: min 1, max 16, d = 1: the integers 1..16 are kept.
  std::vector<float> ints;
  for (int j = 0; j < 32; ++j) ints.push_back(static_cast<float>(1 + j % 16));
  EXPECT_EQ(RoundTrip(DType::kQ4_1, ints), ints);
  // Zeros stay zeros in every type.
  const std::vector<float> zeros(64, 0.0f);
  for (DType t : {DType::kQ8_0, DType::kQ4_0, DType::kQ5_0, DType::kQ4_1, DType::kQ5_1, DType::kF16,
                  DType::kBF16}) {
    EXPECT_EQ(RoundTrip(t, zeros), zeros) << DTypeName(t);
  }
}

TEST(QuantizeTest, HalfAndBFloat16RoundToNearest) {
  const std::vector<float> x = {1.0f, -2.5f, 65504.0f, 1.0f + 1.0f / 1024, 3.14159265f, 1e-6f};
  const std::vector<float> h = RoundTrip(DType::kF16, x);
  // Hand-computed FP16 values: 3.14159265 -> 3.140625; 1e-6 -> subnormal 1.0133e-06 (17 * 2^-24).
  EXPECT_EQ(h[0], 1.0f);
  EXPECT_EQ(h[1], -2.5f);
  EXPECT_EQ(h[2], 65504.0f);
  EXPECT_EQ(h[3], 1.0f + 1.0f / 1024);
  EXPECT_EQ(h[4], 3.140625f);
  EXPECT_EQ(h[5], 17.0f * std::ldexp(1.0f, -24));
  const std::vector<float> b = RoundTrip(DType::kBF16, x);
  EXPECT_EQ(b[4], 3.140625f);  // 0x4049 = 3.140625
  EXPECT_EQ(b[1], -2.5f);
}

}  // namespace
}  // namespace rwkv
