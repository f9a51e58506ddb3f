#include "rwkv/bin_format.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

namespace rwkv {

bool DTypeFromRwkvCpp(int32_t code, DType* out) {
  switch (code) {
    case 0:
      *out = DType::kF32;
      return true;
    case 1:
      *out = DType::kF16;
      return true;
    case 2:
      *out = DType::kQ4_0;
      return true;
    case 3:
      *out = DType::kQ4_1;
      return true;
    case 7:
      *out = DType::kQ5_0;
      return true;
    case 8:
      *out = DType::kQ5_1;
      return true;
    case 9:
      *out = DType::kQ8_0;
      return true;
    default:
      return false;
  }
}

int32_t DTypeToRwkvCpp(DType t) {
  switch (t) {
    case DType::kF32:
      return 0;
    case DType::kF16:
      return 1;
    case DType::kQ4_0:
      return 2;
    case DType::kQ4_1:
      return 3;
    case DType::kQ5_0:
      return 7;
    case DType::kQ5_1:
      return 8;
    case DType::kQ8_0:
      return 9;
    default:
      return -1;
  }
}

namespace {

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<FILE, FileCloser>;

class Reader {
 public:
  Reader(FILE* f, std::string path, uint64_t size) : f_(f), path_(std::move(path)), size_(size) {}
  uint64_t offset() const { return offset_; }
  uint64_t remaining() const { return size_ - offset_; }
  Status Read(void* dst, size_t n, const char* what) {
    if (n > remaining()) {
      return Status::Corruption(path_ + ": truncated at byte " + std::to_string(offset_) +
                                " while reading " + what + " (" + std::to_string(n) +
                                " bytes wanted, " + std::to_string(remaining()) + " left)");
    }
    if (n && std::fread(dst, 1, n, f_) != n) {
      return Status::IOError(path_ + ": read failed at byte " + std::to_string(offset_));
    }
    offset_ += n;
    return Status::Ok();
  }
  Status ReadI32(int32_t* v, const char* what) { return Read(v, 4, what); }

 private:
  FILE* f_;
  std::string path_;
  uint64_t size_;
  uint64_t offset_ = 0;
};

std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

}  // namespace

StatusOr<TensorStore> ReadRwkvCppFile(const std::string& path, RwkvCppHeader* header_out) {
  File f(std::fopen(path.c_str(), "rb"));
  if (!f) return Status::NotFound(path + ": cannot open model file");
  if (std::fseek(f.get(), 0, SEEK_END) != 0) return Status::IOError(path + ": cannot seek");
  const long size = std::ftell(f.get());
  if (size < 0) return Status::IOError(path + ": cannot tell size");
  std::rewind(f.get());
  Reader r(f.get(), path, static_cast<uint64_t>(size));

  uint32_t magic = 0;
  RETURN_IF_ERROR(r.Read(&magic, 4, "the magic number"));
  if (magic != kRwkvCppMagic) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "0x%08x", magic);
    return Status::Corruption(path + ": not an rwkv.cpp model file (magic " + buf +
                              ", expected 0x67676d66)");
  }
  RwkvCppHeader h;
  int32_t version = 0;
  RETURN_IF_ERROR(r.ReadI32(&version, "the file version"));
  if (version != 100 && version != 101) {
    return Status::Unsupported(path + ": rwkv.cpp file version " + std::to_string(version) +
                               " (supported: 100, 101)");
  }
  h.version = static_cast<uint32_t>(version);
  RETURN_IF_ERROR(r.ReadI32(&h.n_vocab, "the header"));
  RETURN_IF_ERROR(r.ReadI32(&h.n_embed, "the header"));
  RETURN_IF_ERROR(r.ReadI32(&h.n_layer, "the header"));
  RETURN_IF_ERROR(r.ReadI32(&h.data_type, "the header"));
  if (h.n_vocab <= 0 || h.n_embed <= 0 || h.n_layer <= 0) {
    return Status::Corruption(path + ": header has non-positive sizes (n_vocab " +
                              std::to_string(h.n_vocab) + ", n_embed " + std::to_string(h.n_embed) +
                              ", n_layer " + std::to_string(h.n_layer) + ")");
  }

  TensorStore store;
  while (r.remaining() > 0) {
    const uint64_t at = r.offset();
    const std::string where = path + ": tensor at byte " + std::to_string(at);
    int32_t n_dims = 0, key_len = 0, type_code = 0;
    RETURN_IF_ERROR(r.ReadI32(&n_dims, "a tensor header"));
    RETURN_IF_ERROR(r.ReadI32(&key_len, "a tensor header"));
    RETURN_IF_ERROR(r.ReadI32(&type_code, "a tensor header"));
    if (n_dims < 1 || n_dims > 4) {
      return Status::Corruption(where + ": " + std::to_string(n_dims) + " dimensions");
    }
    if (key_len < 1 || key_len > 1024) {
      return Status::Corruption(where + ": name length " + std::to_string(key_len));
    }
    int32_t dims[4] = {0, 0, 0, 0};
    for (int i = 0; i < n_dims; ++i) RETURN_IF_ERROR(r.ReadI32(&dims[i], "tensor dimensions"));
    std::string name(static_cast<size_t>(key_len), '\0');
    RETURN_IF_ERROR(r.Read(name.data(), name.size(), "a tensor name"));
    const std::string named = path + ": tensor " + name;
    DType dtype;
    if (!DTypeFromRwkvCpp(type_code, &dtype)) {
      return Status::Unsupported(named + ": data type " + std::to_string(type_code) +
                                 " (supported: 0 FP32, 1 FP16, 2 Q4_0, 3 Q4_1, 7 Q5_0, 8 Q5_1, "
                                 "9 Q8_0)");
    }
    if (version == 100 && IsQuantized(dtype)) {
      return Status::Unsupported(named + ": " + DTypeName(dtype) +
                                 " in a version-100 file uses ggml's old block layout; "
                                 "re-quantize the model with a current rwkv.cpp");
    }
    std::vector<int64_t> shape;
    int64_t n = 1;
    for (int i = n_dims - 1; i >= 0; --i) {
      if (dims[i] <= 0 || dims[i] > (1 << 26)) {
        return Status::Corruption(named + ": dimension " + std::to_string(dims[i]));
      }
      shape.push_back(dims[i]);
      // No tensor can hold more values than the file has bytes: checking as we go also keeps
      // the product far from overflow.
      n *= dims[i];
      if (n > static_cast<int64_t>(size) * 2) {
        return Status::Corruption(named + ": dimensions " + ShapeText(shape) +
                                  " hold more values than the file has bytes");
      }
    }
    if (n % DTypeBlockValues(dtype) != 0) {
      return Status::Corruption(named + ": " + std::to_string(n) + " values do not fill whole " +
                                DTypeName(dtype) + " blocks");
    }
    const size_t nbytes = DTypeBytes(dtype, n);
    if (nbytes > r.remaining()) {
      return Status::Corruption(named + ": truncated (" + std::to_string(nbytes) +
                                " bytes of data expected, " + std::to_string(r.remaining()) +
                                " left in the file)");
    }
    // Read straight into the tensor's own 64-byte-aligned storage: memory at rest stays the
    // file size, with no second copy while loading.
    void* mem = std::aligned_alloc(64, (nbytes + 63) / 64 * 64 + 64);
    if (mem == nullptr) return Status::IOError(named + ": out of memory");
    std::shared_ptr<const void> owner(mem, std::free);
    RETURN_IF_ERROR(r.Read(mem, nbytes, "tensor data"));
    Status s = store.AddBorrowed(name, dtype, std::move(shape), static_cast<const uint8_t*>(mem),
                                 nbytes, std::move(owner));
    if (!s.ok()) return s.WithContext(path);
  }
  if (header_out) *header_out = h;
  return store;
}

Status WriteRwkvCppFile(const std::string& path, const TensorStore& store,
                        const RwkvCppHeader& header) {
  const std::string tmp = path + ".tmp";
  File f(std::fopen(tmp.c_str(), "wb"));
  if (!f) return Status::IOError(path + ": cannot create");
  auto put = [&](const void* p, size_t n) { return std::fwrite(p, 1, n, f.get()) == n; };
  bool ok = true;
  const int32_t hdr[6] = {static_cast<int32_t>(kRwkvCppMagic),
                          101,
                          header.n_vocab,
                          header.n_embed,
                          header.n_layer,
                          header.data_type};
  ok &= put(hdr, sizeof hdr);
  for (const auto& [name, t] : store.tensors()) {
    const int32_t code = DTypeToRwkvCpp(t.dtype);
    if (code < 0) {
      std::remove(tmp.c_str());
      return Status::Unsupported(path + ": tensor " + name + ": the .bin format cannot hold " +
                                 DTypeName(t.dtype));
    }
    const int32_t th[3] = {static_cast<int32_t>(t.shape.size()), static_cast<int32_t>(name.size()),
                           code};
    ok &= put(th, sizeof th);
    for (auto it = t.shape.rbegin(); it != t.shape.rend(); ++it) {
      const int32_t d = static_cast<int32_t>(*it);
      ok &= put(&d, 4);
    }
    ok &= put(name.data(), name.size());
    ok &= put(t.data, t.nbytes);
  }
  ok &= std::fflush(f.get()) == 0;
  f.reset();
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return Status::IOError(path + ": write failed");
  }
  return Status::Ok();
}

}  // namespace rwkv
