#include "rwkv/gguf_file.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "mapped_file.h"

namespace rwkv {

namespace {

constexpr uint32_t kGgufMagic = 0x46554747;  // "GGUF" read as a little-endian u32
constexpr uint32_t kDefaultAlignment = 32;
constexpr int kMaxDims = 4;        // GGML_MAX_DIMS
constexpr int kMaxArrayDepth = 8;  // nested arrays deeper than this are refused
constexpr int64_t kMaxValues = int64_t{1} << 42;

// Reads little-endian values from the mapped file; every read is bounds-checked.
class Cursor {
 public:
  Cursor(const uint8_t* data, size_t size, const std::string& path)
      : data_(data), size_(size), path_(path) {}

  size_t pos() const { return pos_; }
  size_t remaining() const { return size_ - pos_; }

  Status Bytes(void* out, size_t n, const std::string& what) {
    if (n > remaining()) return Truncated(what);
    if (n) std::memcpy(out, data_ + pos_, n);
    pos_ += n;
    return Status::Ok();
  }
  template <typename T>
  Status Get(T* out, const std::string& what) {
    return Bytes(out, sizeof(T), what);
  }
  Status String(std::string* out, const std::string& what) {
    uint64_t len = 0;
    RETURN_IF_ERROR(Get(&len, what));
    if (len > remaining()) {
      return Status::Corruption(path_ + ": " + what + ": string of " + std::to_string(len) +
                                " bytes runs past the end of the file (truncated or corrupt)");
    }
    out->assign(reinterpret_cast<const char*>(data_ + pos_), static_cast<size_t>(len));
    pos_ += static_cast<size_t>(len);
    return Status::Ok();
  }
  Status Corrupt(const std::string& message) const {
    return Status::Corruption(path_ + ": " + message);
  }
  Status Truncated(const std::string& what) const {
    return Status::Corruption(path_ + ": truncated at byte " + std::to_string(pos_) +
                              " while reading " + what);
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  const std::string& path_;
};

// Smallest encoded size of one element, to bound array counts before allocating.
size_t MinEncodedSize(GgufType t) {
  switch (t) {
    case GgufType::kUint8:
    case GgufType::kInt8:
    case GgufType::kBool:
      return 1;
    case GgufType::kUint16:
    case GgufType::kInt16:
      return 2;
    case GgufType::kUint32:
    case GgufType::kInt32:
    case GgufType::kFloat32:
      return 4;
    case GgufType::kString:
    case GgufType::kUint64:
    case GgufType::kInt64:
    case GgufType::kFloat64:
      return 8;
    case GgufType::kArray:
      return 12;
  }
  return 1;
}

bool KnownType(uint32_t t) { return t <= static_cast<uint32_t>(GgufType::kFloat64); }

// Reads one little-endian scalar of type T into *out (an integer or a floating-point field).
template <typename T, typename Field>
Status ReadScalar(Cursor* c, const std::string& what, Field* out) {
  T x;
  RETURN_IF_ERROR(c->Get(&x, what));
  *out = static_cast<Field>(x);
  return Status::Ok();
}

Status ReadValue(Cursor* c, GgufType type, GgufValue* v, const std::string& what, int depth) {
  v->type = type;
  switch (type) {
    case GgufType::kUint8:
      return ReadScalar<uint8_t>(c, what, &v->i);
    case GgufType::kInt8:
      return ReadScalar<int8_t>(c, what, &v->i);
    case GgufType::kUint16:
      return ReadScalar<uint16_t>(c, what, &v->i);
    case GgufType::kInt16:
      return ReadScalar<int16_t>(c, what, &v->i);
    case GgufType::kUint32:
      return ReadScalar<uint32_t>(c, what, &v->i);
    case GgufType::kInt32:
      return ReadScalar<int32_t>(c, what, &v->i);
    case GgufType::kUint64:  // values above INT64_MAX wrap, as GgufValue documents
      return ReadScalar<uint64_t>(c, what, &v->i);
    case GgufType::kInt64:
      return ReadScalar<int64_t>(c, what, &v->i);
    case GgufType::kFloat32:
      return ReadScalar<float>(c, what, &v->f);
    case GgufType::kFloat64:
      return ReadScalar<double>(c, what, &v->f);
    case GgufType::kBool: {
      uint8_t x;
      RETURN_IF_ERROR(c->Get(&x, what));
      if (x > 1) return c->Corrupt(what + ": bool value " + std::to_string(x));
      v->i = x;
      break;
    }
    case GgufType::kString:
      RETURN_IF_ERROR(c->String(&v->s, what));
      break;
    case GgufType::kArray: {
      if (depth >= kMaxArrayDepth) return c->Corrupt(what + ": arrays nested too deeply");
      uint32_t et = 0;
      uint64_t n = 0;
      RETURN_IF_ERROR(c->Get(&et, what + " (array type)"));
      if (!KnownType(et)) {
        return c->Corrupt(what + ": unknown array element type " + std::to_string(et));
      }
      RETURN_IF_ERROR(c->Get(&n, what + " (array length)"));
      v->element_type = static_cast<GgufType>(et);
      if (n > c->remaining() / MinEncodedSize(v->element_type)) {
        return c->Corrupt(what + ": array of " + std::to_string(n) +
                          " elements cannot fit in the rest of the file");
      }
      // Grown as elements are read (each takes file bytes), not reserved from the count alone.
      v->items.reserve(static_cast<size_t>(std::min<uint64_t>(n, 1 << 16)));
      for (uint64_t k = 0; k < n; ++k) {
        v->items.emplace_back();
        RETURN_IF_ERROR(ReadValue(c, v->element_type, &v->items.back(),
                                  what + "[" + std::to_string(k) + "]", depth + 1));
      }
      break;
    }
  }
  return Status::Ok();
}

void PutBytes(std::string* out, const void* p, size_t n) {
  out->append(static_cast<const char*>(p), n);
}
template <typename T>
void Put(std::string* out, T v) {
  PutBytes(out, &v, sizeof v);
}
void PutString(std::string* out, const std::string& s) {
  Put<uint64_t>(out, s.size());
  out->append(s);
}

uint64_t AlignUp(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

}  // namespace

const char* GgufTypeName(GgufType t) {
  static const char* kNames[] = {"uint8",  "int8",    "uint16", "int16",  "uint32",
                                 "int32",  "float32", "bool",   "string", "array",
                                 "uint64", "int64",   "float64"};
  const uint32_t i = static_cast<uint32_t>(t);
  return i < sizeof kNames / sizeof *kNames ? kNames[i] : "?";
}

bool GgufValue::IsInteger() const {
  switch (type) {
    case GgufType::kUint8:
    case GgufType::kInt8:
    case GgufType::kUint16:
    case GgufType::kInt16:
    case GgufType::kUint32:
    case GgufType::kInt32:
    case GgufType::kUint64:
    case GgufType::kInt64:
      return true;
    default:
      return false;
  }
}

std::string GgufValue::ToString() const {
  if (IsInteger()) {
    return type == GgufType::kUint64 ? std::to_string(static_cast<uint64_t>(i)) : std::to_string(i);
  }
  switch (type) {
    case GgufType::kBool:
      return i ? "true" : "false";
    case GgufType::kFloat32:
    case GgufType::kFloat64: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%g", f);
      return buf;
    }
    case GgufType::kString:
      return s;
    case GgufType::kArray:
      return "[" + std::to_string(items.size()) + " x " + GgufTypeName(element_type) + "]";
    default:
      return "?";
  }
}

bool DTypeFromGgml(uint32_t ggml_type, DType* out) {
  switch (ggml_type) {
    case kGgmlF32:
      *out = DType::kF32;
      return true;
    case kGgmlF16:
      *out = DType::kF16;
      return true;
    case kGgmlBF16:
      *out = DType::kBF16;
      return true;
    case kGgmlQ4_0:
      *out = DType::kQ4_0;
      return true;
    case kGgmlQ4_1:
      *out = DType::kQ4_1;
      return true;
    case kGgmlQ5_0:
      *out = DType::kQ5_0;
      return true;
    case kGgmlQ5_1:
      *out = DType::kQ5_1;
      return true;
    case kGgmlQ8_0:
      *out = DType::kQ8_0;
      return true;
    default:
      return false;
  }
}

uint32_t GgmlFromDType(DType t) {
  switch (t) {
    case DType::kF32:
      return kGgmlF32;
    case DType::kF16:
      return kGgmlF16;
    case DType::kBF16:
      return kGgmlBF16;
    case DType::kQ4_0:
      return kGgmlQ4_0;
    case DType::kQ4_1:
      return kGgmlQ4_1;
    case DType::kQ5_0:
      return kGgmlQ5_0;
    case DType::kQ5_1:
      return kGgmlQ5_1;
    case DType::kQ8_0:
      return kGgmlQ8_0;
  }
  return kGgmlF32;
}

std::string GgmlTypeName(uint32_t ggml_type) {
  static const char* kNames[] = {
      "F32",     "F16",    "Q4_0",    "Q4_1",  "Q4_2",   "Q4_3",  "Q5_0",  "Q5_1",
      "Q8_0",    "Q8_1",   "Q2_K",    "Q3_K",  "Q4_K",   "Q5_K",  "Q6_K",  "Q8_K",
      "IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S", "IQ4_NL", "IQ3_S", "IQ2_S", "IQ4_XS",
      "I8",      "I16",    "I32",     "I64",   "F64",    "IQ1_M", "BF16"};
  if (ggml_type < sizeof kNames / sizeof *kNames) return kNames[ggml_type];
  return "type " + std::to_string(ggml_type);
}

const GgufValue* GgufFile::Find(const std::string& key) const {
  for (const auto& [k, v] : metadata) {
    if (k == key) return &v;
  }
  return nullptr;
}

StatusOr<GgufFile> ParseGgufFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::shared_ptr<const MappedFile> file, MappedFile::Open(path));
  GgufFile out;
  out.path = path;
  out.backing = file;
  Cursor c(file->data(), file->size(), path);
  uint32_t magic = 0;
  RETURN_IF_ERROR(c.Get(&magic, "the GGUF magic"));
  if (magic != kGgufMagic) return Status::Corruption(path + ": not a GGUF file (bad magic)");
  RETURN_IF_ERROR(c.Get(&out.version, "the GGUF version"));
  if (out.version == 0x02000000u || out.version == 0x03000000u) {
    return Status::Unsupported(path + ": big-endian GGUF files are not supported");
  }
  if (out.version == 1) {
    return Status::Unsupported(path +
                               ": GGUF version 1 (32-bit counts) is not supported; "
                               "convert it with a current llama.cpp");
  }
  if (out.version != 2 && out.version != 3) {
    return Status::Unsupported(path + ": GGUF version " + std::to_string(out.version) +
                               " (supported: 2, 3)");
  }
  uint64_t n_tensors = 0, n_kv = 0;
  RETURN_IF_ERROR(c.Get(&n_tensors, "the tensor count"));
  RETURN_IF_ERROR(c.Get(&n_kv, "the metadata count"));
  // A key-value pair takes at least 8 + 4 + 1 bytes, a tensor info at least 8 + 4 + 4 + 8.
  if (n_kv > c.remaining() / 13 || n_tensors > c.remaining() / 24) {
    return Status::Corruption(path + ": " + std::to_string(n_kv) + " metadata entries and " +
                              std::to_string(n_tensors) +
                              " tensors cannot fit in the file (truncated or corrupt)");
  }
  for (uint64_t k = 0; k < n_kv; ++k) {
    std::string key;
    RETURN_IF_ERROR(c.String(&key, "metadata key #" + std::to_string(k)));
    const std::string what = "metadata " + key;
    uint32_t type = 0;
    RETURN_IF_ERROR(c.Get(&type, "the type of metadata " + key));
    if (!KnownType(type)) return c.Corrupt(what + ": unknown value type " + std::to_string(type));
    GgufValue v;
    RETURN_IF_ERROR(ReadValue(&c, static_cast<GgufType>(type), &v, what, 0));
    out.metadata.emplace_back(std::move(key), std::move(v));
  }
  if (const GgufValue* a = out.Find("general.alignment")) {
    if (a->type != GgufType::kUint32 || a->i == 0 || (a->i & (a->i - 1)) != 0) {
      return Status::Corruption(path + ": general.alignment must be a power of two (uint32), not " +
                                a->ToString());
    }
    out.alignment = static_cast<uint32_t>(a->i);
  } else {
    out.alignment = kDefaultAlignment;
  }
  struct RawInfo {
    uint32_t type = 0;
    uint64_t offset = 0;
  };
  std::vector<RawInfo> raw(static_cast<size_t>(n_tensors));
  out.tensors.resize(static_cast<size_t>(n_tensors));
  for (uint64_t k = 0; k < n_tensors; ++k) {
    GgufTensorInfo& t = out.tensors[k];
    RETURN_IF_ERROR(c.String(&t.name, "the name of tensor #" + std::to_string(k)));
    const std::string what = "tensor " + t.name;
    uint32_t n_dims = 0;
    RETURN_IF_ERROR(c.Get(&n_dims, what + " (dimension count)"));
    if (n_dims == 0 || n_dims > kMaxDims) {
      return Status::Corruption(path + ": " + what + ": " + std::to_string(n_dims) +
                                " dimensions (1 to 4 allowed)");
    }
    int64_t numel = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      uint64_t ne = 0;
      RETURN_IF_ERROR(c.Get(&ne, what + " (shape)"));
      if (ne == 0 || ne > static_cast<uint64_t>(kMaxValues) ||
          numel > kMaxValues / static_cast<int64_t>(ne)) {
        return Status::Corruption(path + ": " + what + ": implausible dimension " +
                                  std::to_string(ne));
      }
      numel *= static_cast<int64_t>(ne);
      t.ne.push_back(static_cast<int64_t>(ne));
    }
    RETURN_IF_ERROR(c.Get(&raw[k].type, what + " (type)"));
    RETURN_IF_ERROR(c.Get(&raw[k].offset, what + " (offset)"));
  }
  out.data_offset = AlignUp(c.pos(), out.alignment);
  if (out.data_offset > file->size()) {
    return Status::Corruption(path + ": truncated before the tensor data (" +
                              std::to_string(file->size()) + " bytes)");
  }
  const uint64_t data_size = file->size() - out.data_offset;
  for (size_t k = 0; k < out.tensors.size(); ++k) {
    GgufTensorInfo& t = out.tensors[k];
    const std::string what = path + ": tensor " + t.name;
    if (!DTypeFromGgml(raw[k].type, &t.dtype)) {
      return Status::Unsupported(what + " has ggml type " + GgmlTypeName(raw[k].type) +
                                 " (supported: F32, F16, BF16, Q8_0, Q5_1, Q5_0, Q4_1, Q4_0)");
    }
    if (t.ne[0] % DTypeBlockValues(t.dtype) != 0) {
      return Status::Corruption(what + ": rows of " + std::to_string(t.ne[0]) +
                                " values are not whole " + DTypeName(t.dtype) + " blocks");
    }
    int64_t numel = 1;
    for (int64_t d : t.ne) numel *= d;
    t.nbytes = DTypeBytes(t.dtype, numel);
    const uint64_t off = raw[k].offset;
    if (off % out.alignment != 0) {
      return Status::Corruption(what + ": data offset " + std::to_string(off) +
                                " is not a multiple of the alignment " +
                                std::to_string(out.alignment));
    }
    if (off > data_size || t.nbytes > data_size - off) {
      return Status::Corruption(what + ": data [" + std::to_string(off) + ", +" +
                                std::to_string(t.nbytes) + ") lies outside the " +
                                std::to_string(data_size) + " data bytes (truncated file?)");
    }
    t.data = file->data() + out.data_offset + off;
  }
  return out;
}

void GgufWriter::AddString(const std::string& key, const std::string& value) {
  PutString(&metadata_, key);
  Put<uint32_t>(&metadata_, static_cast<uint32_t>(GgufType::kString));
  PutString(&metadata_, value);
  ++metadata_count_;
}

void GgufWriter::AddUint32(const std::string& key, uint32_t value) {
  PutString(&metadata_, key);
  Put<uint32_t>(&metadata_, static_cast<uint32_t>(GgufType::kUint32));
  Put<uint32_t>(&metadata_, value);
  ++metadata_count_;
}

void GgufWriter::AddFloat32(const std::string& key, float value) {
  PutString(&metadata_, key);
  Put<uint32_t>(&metadata_, static_cast<uint32_t>(GgufType::kFloat32));
  Put<float>(&metadata_, value);
  ++metadata_count_;
}

void GgufWriter::AddStringArray(const std::string& key, const std::vector<std::string>& values) {
  PutString(&metadata_, key);
  Put<uint32_t>(&metadata_, static_cast<uint32_t>(GgufType::kArray));
  Put<uint32_t>(&metadata_, static_cast<uint32_t>(GgufType::kString));
  Put<uint64_t>(&metadata_, values.size());
  for (const std::string& v : values) PutString(&metadata_, v);
  ++metadata_count_;
}

void GgufWriter::AddInt32Array(const std::string& key, const std::vector<int32_t>& values) {
  PutString(&metadata_, key);
  Put<uint32_t>(&metadata_, static_cast<uint32_t>(GgufType::kArray));
  Put<uint32_t>(&metadata_, static_cast<uint32_t>(GgufType::kInt32));
  Put<uint64_t>(&metadata_, values.size());
  for (int32_t v : values) Put<int32_t>(&metadata_, v);
  ++metadata_count_;
}

Status GgufWriter::AddTensor(const std::string& name, DType dtype, const std::vector<int64_t>& ne,
                             const void* data, size_t nbytes) {
  int64_t numel = 1;
  for (int64_t d : ne) numel *= d;
  if (ne.empty() || ne.size() > kMaxDims || ne[0] % DTypeBlockValues(dtype) != 0 ||
      DTypeBytes(dtype, numel) != nbytes) {
    return Status::InvalidArgument("tensor " + name + ": " + std::to_string(nbytes) +
                                   " bytes do not fit its GGUF shape and type " + DTypeName(dtype));
  }
  const uint8_t* p = static_cast<const uint8_t*>(data);
  tensors_.push_back({name, dtype, ne, std::vector<uint8_t>(p, p + nbytes)});
  return Status::Ok();
}

Status GgufWriter::Write(const std::string& path) const {
  std::string head;
  Put<uint32_t>(&head, kGgufMagic);
  Put<uint32_t>(&head, 3);
  Put<uint64_t>(&head, tensors_.size());
  Put<uint64_t>(&head, metadata_count_);
  head += metadata_;
  uint64_t offset = 0;
  for (const PendingTensor& t : tensors_) {
    PutString(&head, t.name);
    Put<uint32_t>(&head, static_cast<uint32_t>(t.ne.size()));
    for (int64_t d : t.ne) Put<uint64_t>(&head, static_cast<uint64_t>(d));
    Put<uint32_t>(&head, GgmlFromDType(t.dtype));
    Put<uint64_t>(&head, offset);
    offset = AlignUp(offset + t.bytes.size(), kDefaultAlignment);
  }
  head.resize(AlignUp(head.size(), kDefaultAlignment), '\0');

  const std::string tmp = path + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return Status::IOError(path + ": cannot create");
  bool ok = std::fwrite(head.data(), 1, head.size(), f) == head.size();
  static const char kZeros[kDefaultAlignment] = {};
  for (const PendingTensor& t : tensors_) {
    ok = ok && std::fwrite(t.bytes.data(), 1, t.bytes.size(), f) == t.bytes.size();
    const size_t pad = AlignUp(t.bytes.size(), kDefaultAlignment) - t.bytes.size();
    ok = ok && std::fwrite(kZeros, 1, pad, f) == pad;
  }
  ok = (std::fclose(f) == 0) && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return Status::IOError(path + ": write failed");
  }
  return Status::Ok();
}

}  // namespace rwkv
