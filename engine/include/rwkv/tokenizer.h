// Tokenizers: text ↔ token ids for a model's vocabulary.
//
// Thread-safety: immutable after construction; Encode/Decode may be called concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rwkv/status.h"

namespace rwkv {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  // "bytes", "world", "20b", or the file it was loaded from.
  virtual std::string name() const = 0;
  // Number of ids the tokenizer can produce (the model's vocabulary must be at least this).
  virtual int vocab_size() const = 0;
  virtual std::vector<int32_t> Encode(std::string_view text) const = 0;
  // The raw bytes of one token (may be an incomplete UTF-8 sequence). "" for unknown ids.
  virtual std::string TokenBytes(int32_t id) const = 0;
  // Concatenated bytes of the tokens.
  std::string Decode(const std::vector<int32_t>& ids) const;
};

// Byte-level tokenizer: token id = byte value (vocabulary 256).
std::unique_ptr<Tokenizer> MakeByteTokenizer();

// RWKV World tokenizer read from rwkv_vocab_v20230424.txt (lines "ID LITERAL LENGTH", LITERAL a
// Python str or bytes literal). Encoding is the greedy longest match over the UTF-8 bytes.
// `name` is what name() returns ("" = the path). Errors: NotFound (cannot open), Corruption
// naming "path:line" (bad literal, LENGTH differing from the literal's byte count, repeated id).
StatusOr<std::unique_ptr<Tokenizer>> LoadWorldTokenizer(const std::string& path,
                                                        const std::string& name = "");
// The same tokenizer from token byte strings indexed by id ("" marks an unused id), e.g. from a
// GGUF file's metadata. Bytes that no token covers (only possible when the single bytes are
// missing) are skipped by Encode. Errors: two ids with the same bytes.
StatusOr<std::unique_ptr<Tokenizer>> MakeWorldTokenizer(std::vector<std::string> tokens,
                                                        std::string name);
// The same from token texts as llama.cpp's GGUF converter stores them in tokenizer.ggml.tokens
// (tokenizer model "rwkv"): each the body of a Python bytes literal, repr(token)[2:-1]. The
// caller passes "" for control tokens (id 0 "<s>"). Errors: Corruption naming the token id.
StatusOr<std::unique_ptr<Tokenizer>> MakeWorldTokenizerFromEscaped(
    const std::vector<std::string>& escaped, std::string name);

// Byte-level BPE tokenizer read from a Hugging Face tokenizer.json such as 20B_tokenizer.json:
// added tokens (e.g. <|endoftext|>) are split off first (leftmost-longest), the rest is NFC
// normalized, split by the GPT-2 pre-tokenization rule and merged by ranked BPE. Bytes that
// have no token (in 20B: C0, C1, F5..FF, which never occur in UTF-8) are encoded as U+FFFD.
// Decoding gives the raw bytes (added tokens as their text). Errors: NotFound, Corruption (bad
// JSON, with its line and column; inconsistent vocabulary/merges), Unsupported (another model type,
// normalizer or pre-tokenizer).
StatusOr<std::unique_ptr<Tokenizer>> LoadBpeTokenizer(const std::string& path,
                                                      const std::string& name = "");

// The vocabulary file a named tokenizer reads: "rwkv_vocab_v20230424.txt" for "world",
// "20B_tokenizer.json" for "20b", "" for "bytes" and unknown names.
std::string TokenizerFileName(const std::string& name);

// The folders searched, in order, for a named tokenizer's file: $RWKV_EVAL_TOKENIZER_DIR (when
// set), TokenizerCacheDir() (where `rwkv-eval pull` puts them), then the reference data's
// tokenizers folder: $RWKV_EVAL_SHARED/tokenizers, or when that variable is unset the
// development fallback ../shared/tokenizers beside the source tree.
std::vector<std::string> TokenizerSearchDirs();

// Loads "bytes", "world" or "20b" (their files found through TokenizerSearchDirs()), or the
// tokenizer in a file: a *.json tokenizer.json (byte-level BPE), a *.gguf model's stored
// tokenizer, or any other file as a World vocabulary. Errors: unknown name; NotFound listing
// every place looked in; the loaders' errors.
StatusOr<std::unique_ptr<Tokenizer>> LoadTokenizer(const std::string& name_or_path);

// The tokenizer name that goes with a model's vocabulary size: 256 "bytes", 50277 "20b",
// 65536 "world"; "" for any other size.
std::string TokenizerNameForVocab(int n_vocab);

// InvalidArgument when `tokenizer` can produce ids the model has no row for
// (vocab_size() > n_vocab): decoding such a model would be gibberish.
Status CheckTokenizerFits(const Tokenizer& tokenizer, int n_vocab);

// The tokenizer for a model with `n_vocab` tokens: `name_or_path` as LoadTokenizer does, or,
// when it is "" or "auto", the one TokenizerNameForVocab() names. Errors: no tokenizer known
// for that vocabulary size (asks for an explicit one), CheckTokenizerFits, LoadTokenizer's.
StatusOr<std::unique_ptr<Tokenizer>> LoadTokenizerForModel(const std::string& name_or_path,
                                                           int n_vocab);

class Model;
// The same for a loaded model, except that when `name_or_path` is "" or "auto" and the model's
// file carries its own tokenizer (GGUF metadata), that one is used (checked to fit).
StatusOr<std::unique_ptr<Tokenizer>> LoadTokenizerForModel(const std::string& name_or_path,
                                                           const Model& model);

// Holds back bytes of an incomplete UTF-8 character so that streamed text is always valid
// UTF-8 up to the last complete character. Not thread-safe.
class StreamingDecoder {
 public:
  explicit StreamingDecoder(const Tokenizer& t) : tokenizer_(t) {}
  // Returns the text completed by this token (possibly "").
  std::string Push(int32_t id);
  // Returns whatever is still held (an incomplete character at the end of the stream).
  std::string Flush();

 private:
  const Tokenizer& tokenizer_;
  std::string pending_;
};

}  // namespace rwkv
