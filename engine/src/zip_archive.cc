#include "zip_archive.h"

#include <algorithm>
#include <cstring>

namespace rwkv {

namespace {

constexpr uint32_t kEndOfCentralDir = 0x06054b50;
constexpr uint32_t kZip64EndLocator = 0x07064b50;
constexpr uint32_t kZip64End = 0x06064b50;
constexpr uint32_t kCentralEntry = 0x02014b50;
constexpr uint32_t kLocalHeader = 0x04034b50;
constexpr uint64_t kMaxEntries = 1000000;

uint16_t U16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }
uint32_t U32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
uint64_t U64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// True if [offset, offset + n) lies inside a file of `size` bytes (overflow-safe).
bool Inside(uint64_t offset, uint64_t n, uint64_t size) {
  return offset <= size && n <= size - offset;
}

}  // namespace

StatusOr<std::map<std::string, ZipEntry>> ListZipEntries(const uint8_t* b, uint64_t size,
                                                         const std::string& source) {
  auto bad = [&](const std::string& what) {
    return Status::Corruption(source + ": damaged zip archive: " + what);
  };
  if (size < 22) return bad("too short for an end-of-central-directory record");
  // The end record is the last 22 bytes plus a comment of at most 65535 bytes.
  uint64_t eocd = size;
  const uint64_t lowest = size > 22 + 65535 ? size - 22 - 65535 : 0;
  for (uint64_t at = size - 22 + 1; at-- > lowest;) {
    if (U32(b + at) == kEndOfCentralDir) {
      eocd = at;
      break;
    }
  }
  if (eocd == size) return bad("no end-of-central-directory record");
  uint64_t count = U16(b + eocd + 10);
  uint64_t dir_size = U32(b + eocd + 12);
  uint64_t dir_offset = U32(b + eocd + 16);
  if (count == 0xffff || dir_size == 0xffffffffu || dir_offset == 0xffffffffu) {
    // zip64: a locator sits just before the end record and points at the zip64 end record.
    if (eocd < 20 || U32(b + eocd - 20) != kZip64EndLocator) return bad("missing zip64 locator");
    const uint64_t z = U64(b + eocd - 20 + 8);
    if (!Inside(z, 56, size) || U32(b + z) != kZip64End) return bad("bad zip64 end record");
    count = U64(b + z + 32);
    dir_size = U64(b + z + 40);
    dir_offset = U64(b + z + 48);
  }
  if (count > kMaxEntries) return bad(std::to_string(count) + " entries");
  if (!Inside(dir_offset, dir_size, size)) return bad("central directory outside the file");

  std::map<std::string, ZipEntry> out;
  uint64_t at = dir_offset;
  const uint64_t dir_end = dir_offset + dir_size;
  for (uint64_t i = 0; i < count; ++i) {
    if (!Inside(at, 46, dir_end) || U32(b + at) != kCentralEntry) {
      return bad("central directory entry " + std::to_string(i) + " is damaged");
    }
    const uint16_t method = U16(b + at + 10);
    uint64_t csize = U32(b + at + 20);
    uint64_t usize = U32(b + at + 24);
    const uint16_t name_len = U16(b + at + 28);
    const uint16_t extra_len = U16(b + at + 30);
    const uint16_t comment_len = U16(b + at + 32);
    uint64_t local = U32(b + at + 42);
    const uint64_t var_len = uint64_t{name_len} + extra_len + comment_len;
    if (!Inside(at + 46, var_len, dir_end)) return bad("entry " + std::to_string(i) + " overruns");
    std::string name(reinterpret_cast<const char*>(b + at + 46), name_len);
    // zip64 extended information: 64-bit values for the fields that hold 0xffffffff.
    const uint8_t* extra = b + at + 46 + name_len;
    for (uint32_t e = 0; e + 4 <= extra_len;) {
      const uint16_t id = U16(extra + e), len = U16(extra + e + 2);
      if (e + 4 + len > extra_len) return bad("entry " + name + ": damaged extra field");
      if (id == 0x0001) {
        const uint8_t* p = extra + e + 4;
        uint32_t left = len;
        auto take = [&](uint64_t* v) {
          if (*v != 0xffffffffu) return true;
          if (left < 8) return false;
          *v = U64(p);
          p += 8;
          left -= 8;
          return true;
        };
        if (!take(&usize) || !take(&csize) || !take(&local)) {
          return bad("entry " + name + ": short zip64 field");
        }
      }
      e += 4 + len;
    }
    at += 46 + var_len;

    if (!Inside(local, 30, size) || U32(b + local) != kLocalHeader) {
      return bad("entry " + name + ": local header missing");
    }
    const uint64_t data = local + 30 + U16(b + local + 26) + U16(b + local + 28);
    ZipEntry entry;
    entry.stored = method == 0;
    entry.size = entry.stored ? usize : csize;
    entry.data_offset = data;
    if (entry.stored && csize != usize) return bad("entry " + name + ": inconsistent sizes");
    if (!Inside(data, entry.size, size)) {
      return bad("entry " + name + ": data lies outside the file (truncated?)");
    }
    if (!out.emplace(std::move(name), entry).second) return bad("duplicate entry");
  }
  return out;
}

}  // namespace rwkv
