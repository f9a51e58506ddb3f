#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "rwkv/tensor.h"
#include "rwkv/tensor_store.h"

namespace rwkv {
namespace {

TEST(Half, EveryHalfRoundTripsThroughFloat) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const float f = HalfToFloat(static_cast<uint16_t>(h));
    if (std::isnan(f)) continue;
    EXPECT_EQ(FloatToHalf(f), h) << std::hex << h;
  }
}

TEST(Half, KnownValues) {
  EXPECT_EQ(HalfToFloat(0x3c00), 1.0f);
  EXPECT_EQ(HalfToFloat(0xc000), -2.0f);
  EXPECT_EQ(HalfToFloat(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
  EXPECT_EQ(FloatToHalf(65504.0f), 0x7bff);
  EXPECT_EQ(FloatToHalf(1e6f), 0x7c00);  // overflow → inf
  EXPECT_EQ(FloatToHalf(1.0f + std::ldexp(1.0f, -11)), 0x3c00);  // tie → even
}

TEST(BFloat16, RoundsToNearestEven) {
  EXPECT_EQ(FloatToBFloat16(1.0f), 0x3f80);
  EXPECT_EQ(BFloat16ToFloat(0x3f80), 1.0f);
  float f;
  uint32_t bits = 0x3f808000;  // exactly halfway between 0x3f80 and 0x3f81
  std::memcpy(&f, &bits, 4);
  EXPECT_EQ(FloatToBFloat16(f), 0x3f80);
}

TEST(Dequantize, Q8_0Block) {
  uint8_t block[34];
  const uint16_t d = FloatToHalf(0.5f);
  std::memcpy(block, &d, 2);
  for (int i = 0; i < 32; ++i) block[2 + i] = static_cast<uint8_t>(static_cast<int8_t>(i - 16));
  float out[32];
  DequantizeRow(DType::kQ8_0, block, out, 32);
  for (int i = 0; i < 32; ++i) EXPECT_EQ(out[i], 0.5f * (i - 16));
}

TEST(Dequantize, Q5_1BlockUsesHighBits) {
  uint8_t block[24] = {};
  const uint16_t d = FloatToHalf(1.0f), m = FloatToHalf(-3.0f);
  std::memcpy(block, &d, 2);
  std::memcpy(block + 2, &m, 2);
  const uint32_t qh = 0x80000001u;  // fifth bit set for value 0 and value 31
  std::memcpy(block + 4, &qh, 4);
  block[8] = 0x21;     // value 0 low nibble 1, value 16 low nibble 2
  block[8 + 15] = 0xf0;  // value 31 low nibble 15
  float out[32];
  DequantizeRow(DType::kQ5_1, block, out, 32);
  EXPECT_EQ(out[0], 17.0f - 3.0f);
  EXPECT_EQ(out[16], 2.0f - 3.0f);
  EXPECT_EQ(out[31], 31.0f - 3.0f);
  EXPECT_EQ(out[1], -3.0f);
}

TEST(TensorStore, RejectsSizeMismatchAndDuplicates) {
  TensorStore s;
  float data[4] = {1, 2, 3, 4};
  EXPECT_TRUE(s.Add("a", DType::kF32, {2, 2}, data, 16).ok());
  EXPECT_FALSE(s.Add("a", DType::kF32, {2, 2}, data, 16).ok());
  Status bad = s.Add("b", DType::kF32, {3, 2}, data, 16);
  EXPECT_EQ(bad.code(), StatusCode::kCorruption);
  EXPECT_NE(bad.message().find("b"), std::string::npos);
  EXPECT_FALSE(s.Add("q", DType::kQ8_0, {1, 16}, data, 16).ok());  // not whole blocks
}

}  // namespace
}  // namespace rwkv
