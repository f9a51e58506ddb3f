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
