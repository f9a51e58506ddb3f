// LayerNorm in PyTorch's CPU bfloat16 arithmetic.
//
// The official implementation folds blocks.0.ln0 into the embedding while loading, with
// F.layer_norm on the checkpoint's own tensors, before converting anything to FP32. On a
// bfloat16 v4-v6 checkpoint that fold therefore runs in PyTorch's bfloat16 CPU kernel, whose
// statistics are far from FP32 ones (up to several bfloat16 steps per value); the reference
// logits were produced with PyTorch 1.13, whose kernel this reproduces bit for bit.
#pragma once

namespace rwkv {

// PyTorch 1.13's CPU layer_norm (eps 1e-5) of n bfloat16 values x with bfloat16 weight w and
// bias b, written to out (may alias x) as bfloat16 values held in floats:
//   mean, var = Welford moments over 16 lanes (x[j], x[j + 16], ...), chunks of 16 steps merged
//               by a cascade, then the lanes merged in order, every operation rounded to bf16;
//   rstd      = bf16(1 / bf16(sqrt(bf16(var + bf16(eps)))));
//   out[i]    = bf16((x[i] * rstd + bf16(-rstd * mean)) * w[i] + b[i])   (FP32 inside).
// Thread-safe (no shared state).
void LayerNormBf16LikeTorch(const float* x, const float* w, const float* b, int n, float* out);

}  // namespace rwkv
