// A tensor as a reader finds it in a file, before conversion to the model's canonical forms
// (internal to the engine).
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "rwkv/status.h"
#include "rwkv/tensor.h"

namespace rwkv {

struct SourceTensor {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;  // PyTorch order
  const uint8_t* data = nullptr;
  size_t nbytes = 0;
  std::shared_ptr<const void> backing;  // keeps `data` alive (a mapping or an owned copy)
  // Set by a renaming that already produced the canonical layout of a low-rank matrix
  // ([out, in]), so that the official-form transpose is skipped.
  bool already_out_in = false;
};

// Points `t` (whose nbytes is set) at `at` inside `file`, kept alive as the backing; if `at` is not
// aligned to the element size the kernels need, copies the bytes to aligned memory instead.
// Errors: out of memory (naming `named`).
inline Status PointAtOrCopyAligned(SourceTensor* t, const uint8_t* at,
                                   std::shared_ptr<const void> file, const std::string& named) {
  const uintptr_t element = static_cast<uintptr_t>(DTypeBlockBytes(t->dtype));
  if (reinterpret_cast<uintptr_t>(at) % element == 0) {
    t->data = at;
    t->backing = std::move(file);
    return Status::Ok();
  }
  void* mem = std::aligned_alloc(64, (t->nbytes + 63) / 64 * 64 + 64);
  if (mem == nullptr) return Status::IOError(named + ": out of memory");
  std::memcpy(mem, at, t->nbytes);
  t->backing = std::shared_ptr<const void>(mem, std::free);
  t->data = static_cast<const uint8_t*>(mem);
  return Status::Ok();
}

}  // namespace rwkv
