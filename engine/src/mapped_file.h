// A read-only memory mapping of a whole file (internal to the engine).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "rwkv/status.h"

namespace rwkv {

class MappedFile {
 public:
  // Maps `path` read-only. Errors: NotFound if it cannot be opened, IOError if it cannot be
  // mapped. An empty file maps to size 0 and a null data pointer.
  static StatusOr<std::shared_ptr<const MappedFile>> Open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  MappedFile() = default;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace rwkv
