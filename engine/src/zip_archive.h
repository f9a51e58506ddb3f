// The entries of a zip archive whose members are stored uncompressed, as torch.save writes
// them (internal to the engine). Only the central directory and local headers are parsed;
// member bytes are addressed in place inside a memory-mapped file.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "rwkv/status.h"

namespace rwkv {

struct ZipEntry {
  uint64_t data_offset = 0;  // where the member's bytes start in the archive
  uint64_t size = 0;         // member size in bytes
  bool stored = true;        // false if compressed (the caller decides whether that is an error)
};

// Lists the members of the archive held in `bytes[0, size)`. Supports zip64. Errors
// (Corruption, naming `source`): no end-of-central-directory record, entries or data outside
// the file, inconsistent sizes, more than 1,000,000 entries.
StatusOr<std::map<std::string, ZipEntry>> ListZipEntries(const uint8_t* bytes, uint64_t size,
                                                         const std::string& source);

}  // namespace rwkv
