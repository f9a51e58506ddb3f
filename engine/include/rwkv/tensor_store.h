// A named set of tensors read from one model file, owning their bytes.
//
// Readers (one per file format) fill a TensorStore; the model takes tensors by name from it.
// Thread-safety: immutable after loading; safe to read from many threads.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "rwkv/status.h"
#include "rwkv/tensor.h"

namespace rwkv {

class Tokenizer;

class TensorStore {
 public:
  TensorStore() = default;
  TensorStore(TensorStore&&) = default;
  TensorStore& operator=(TensorStore&&) = default;

  // Adds a tensor whose bytes are copied into 64-byte-aligned storage owned by the store.
  // Fails if the name is already present or nbytes does not fit dtype and shape.
  Status Add(const std::string& name, DType dtype, std::vector<int64_t> shape, const void* data,
             size_t nbytes);
  // Adds a tensor whose bytes live in `backing` (kept alive by the store), e.g. a mapped file.
  Status AddBorrowed(const std::string& name, DType dtype, std::vector<int64_t> shape,
                     const uint8_t* data, size_t nbytes, std::shared_ptr<const void> backing);

  // Returns the tensor or nullptr.
  const Tensor* Find(const std::string& name) const;
  bool Has(const std::string& name) const { return Find(name) != nullptr; }
  const std::map<std::string, Tensor>& tensors() const { return tensors_; }
  size_t TotalBytes() const;

  // Free-form metadata from the file (e.g. a GGUF tokenizer), key → value.
  std::map<std::string, std::string>& metadata() { return metadata_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

  // The tokenizer stored in the file itself (GGUF metadata); null when the file has none.
  const std::shared_ptr<const Tokenizer>& tokenizer() const { return tokenizer_; }
  void set_tokenizer(std::shared_ptr<const Tokenizer> t) { tokenizer_ = std::move(t); }

 private:
  std::map<std::string, Tensor> tensors_;
  std::vector<std::shared_ptr<const void>> buffers_;
  std::map<std::string, std::string> metadata_;
  std::shared_ptr<const Tokenizer> tokenizer_;
};

}  // namespace rwkv
