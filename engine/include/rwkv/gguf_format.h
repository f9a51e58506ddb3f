// RWKV models in llama.cpp's GGUF files: architectures "rwkv6" and "rwkv7".
//
// llama.cpp's convert_hf_to_gguf.py names and reshapes the official parameters; reading undoes it:
//   token_embd -> emb, token_embd_norm -> blocks.0.ln0, output_norm -> ln_out, output -> head,
//   blk.N.attn_norm -> ln1, attn_norm_2 -> ln2, time_mix_{key,value,receptance,output,gate} ->
//   att.*, time_mix_ln -> att.ln_x, channel_mix_{key,value,receptance} -> ffn.*;
//   rwkv6: time_mix_lerp_x -> time_maa_x; time_mix_lerp_fused [5][C] (order w k v r g) ->
//     time_maa_w..g; time_mix_w1/w2 -> time_maa_w1/w2 and time_mix_decay_w1/w2 ->
//     time_decay_w1/w2 (already [out, in] as the model holds them); time_mix_decay -> time_decay
//     (w as trained); time_mix_first -> time_faaaa (u as trained); channel_mix_lerp_k/r ->
//     ffn.time_maa_k/r; when rwkv6.rescale_every_n_layers = R > 0, time_mix_output and
//     channel_mix_value of block N were divided by 2^(N / R): they are multiplied back.
//   rwkv7: time_mix_lerp_fused [6][C] (order r w k v a g) -> att.x_rwkvag; time_mix_{w,a,v}{0,1,2}
//     and time_mix_g{1,2} -> att.w0 ... att.g2 (low-rank matrices [out, in]); time_mix_k_k,
//     k_a, r_k -> att.k_k, k_a, r_k (r_k flattened: reshaped to [H, head_size]);
//     channel_mix_lerp_k -> ffn.x_k; block 0's placeholder v0/v1/v2 (copies of a0/a1/a2) are
//     dropped.
// The tokenizer: tokenizer.ggml.model "rwkv" stores the World vocabulary as token texts
// repr(bytes)[2:-1] with token types (1 normal, 3 control "<s>", 5 unused "[PADn]"); when id
// 261 is "\n\n" (the World vocabulary), the converter also writes tokenizer.ggml.eot_token_id
// 261 and tokenizer.chat_template "rwkv-world", and so does WriteGgufModel.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "rwkv/model.h"
#include "rwkv/status.h"
#include "rwkv/tensor_store.h"
#include "rwkv/tokenizer.h"

namespace rwkv {

// Reads an rwkv6/rwkv7 GGUF file into canonical-form tensors (memory-mapped, types kept: F32,
// F16, BF16, Q8_0, Q5_1, Q5_0, Q4_1, Q4_0). Scalar metadata goes to the store's metadata (arrays
// as "[N x type]"); a "rwkv" tokenizer becomes the store's tokenizer (the byte tokenizer when its
// tokens are exactly the 256 single bytes). Errors name the file and the tensor or key:
// everything ParseGgufFile reports, another architecture, an unknown tensor name, a shape that
// does not fit, a malformed token list.
StatusOr<TensorStore> ReadGgufFile(const std::string& path);

// Only the tokenizer of a GGUF file (as ReadGgufFile finds it). Errors: ParseGgufFile's, a
// malformed token list, NotFound when the file has no "rwkv" tokenizer.
StatusOr<std::unique_ptr<Tokenizer>> ReadGgufTokenizer(const std::string& path);

struct GgufWriteOptions {
  // Token bytes by id of a World-style tokenizer (greedy longest match over bytes; "" = unused
  // id), written as llama.cpp's "rwkv" tokenizer and padded to the model's vocabulary. Empty: no
  // tokenizer is written (llama.cpp then cannot load the file, the engine can).
  std::vector<std::string> world_tokens;
  std::string name;  // general.name ("" = none)
};

// Writes a v6 or v7 model as llama.cpp's rwkv6 / rwkv7 GGUF (names, shapes and transforms as its
// convert_hf_to_gguf.py produces them; rescale_every_n_layers 0). The large matrices (embedding,
// head, projections) keep their stored type; vectors and low-rank matrices are written as F32.
// Errors: another architecture (llama.cpp has no RWKV-4/5 architecture), a state-tuned model,
// a tokenizer larger than the vocabulary, I/O.
Status WriteGgufModel(const std::string& path, const Model& model, const GgufWriteOptions& options);

// The text llama.cpp's converter stores for a World token: the body of Python's repr() of the
// bytes, repr(b)[2:-1] (\\, the enclosing quote, \t \n \r escaped; other bytes outside
// 0x20..0x7e as \xhh; the quote is ' unless b contains ' and no ").
std::string PythonBytesReprBody(std::string_view bytes);

}  // namespace rwkv
