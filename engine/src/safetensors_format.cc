#include "rwkv/safetensors_format.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <vector>

#include "mapped_file.h"
#include "official_form.h"

namespace rwkv {

namespace {

constexpr uint64_t kMaxHeaderBytes = uint64_t{100} << 20;

bool DTypeFromSafetensors(const std::string& s, DType* out) {
  if (s == "F32")
    *out = DType::kF32;
  else if (s == "F16")
    *out = DType::kF16;
  else if (s == "BF16")
    *out = DType::kBF16;
  else
    return false;
  return true;
}

const char* DTypeToSafetensors(DType t) {
  switch (t) {
    case DType::kF32:
      return "F32";
    case DType::kF16:
      return "F16";
    case DType::kBF16:
      return "BF16";
    default:
      return nullptr;
  }
}

}  // namespace

StatusOr<TensorStore> ReadSafetensorsFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::shared_ptr<const MappedFile> file, MappedFile::Open(path));
  const uint64_t size = file->size();
  if (size < 8) return Status::Corruption(path + ": too short for a safetensors header");
  uint64_t header_len = 0;
  std::memcpy(&header_len, file->data(), 8);
  if (header_len > kMaxHeaderBytes || header_len > size - 8) {
    return Status::Corruption(path + ": safetensors header length " + std::to_string(header_len) +
                              " does not fit the file of " + std::to_string(size) + " bytes");
  }
  const char* text = reinterpret_cast<const char*>(file->data() + 8);
  nlohmann::json header = nlohmann::json::parse(text, text + header_len, nullptr, false);
  if (header.is_discarded() || !header.is_object()) {
    return Status::Corruption(path + ": the safetensors header is not a JSON object");
  }
  const uint64_t base = 8 + header_len;
  const uint64_t data_size = size - base;
  std::vector<SourceTensor> tensors;
  std::map<std::string, std::string> metadata;
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const nlohmann::json& v = it.value();
    if (name == "__metadata__") {
      if (v.is_object()) {
        for (auto m = v.begin(); m != v.end(); ++m) {
          if (m.value().is_string()) metadata[m.key()] = m.value().get<std::string>();
        }
      }
      continue;
    }
    const std::string named = path + ": tensor " + name;
    if (!v.is_object() || !v.contains("dtype") || !v["dtype"].is_string() || !v.contains("shape") ||
        !v["shape"].is_array() || !v.contains("data_offsets") || !v["data_offsets"].is_array() ||
        v["data_offsets"].size() != 2 || !v["data_offsets"][0].is_number_unsigned() ||
        !v["data_offsets"][1].is_number_unsigned()) {
      return Status::Corruption(named + ": malformed header entry");
    }
    SourceTensor t;
    t.name = name;
    const std::string dt = v["dtype"].get<std::string>();
    if (!DTypeFromSafetensors(dt, &t.dtype)) {
      return Status::Unsupported(named + ": dtype " + dt + " (supported: F32, F16, BF16)");
    }
    uint64_t numel = 1;
    for (const auto& d : v["shape"]) {
      if (!d.is_number_unsigned() || d.get<uint64_t>() > (uint64_t{1} << 40)) {
        return Status::Corruption(named + ": bad dimension in shape");
      }
      const uint64_t dim = d.get<uint64_t>();
      if (dim != 0 && numel > (uint64_t{1} << 42) / dim) {
        return Status::Corruption(named + ": implausibly many values");
      }
      numel *= dim;
      t.shape.push_back(static_cast<int64_t>(dim));
    }
    const uint64_t begin = v["data_offsets"][0].get<uint64_t>();
    const uint64_t end = v["data_offsets"][1].get<uint64_t>();
    const uint64_t es = static_cast<uint64_t>(DTypeBlockBytes(t.dtype));
    if (begin > end || end > data_size) {
      return Status::Corruption(named + ": data offsets [" + std::to_string(begin) + ", " +
                                std::to_string(end) + ") outside the " + std::to_string(data_size) +
                                " data bytes (truncated file?)");
    }
    if (end - begin != numel * es) {
      return Status::Corruption(named + ": " + std::to_string(end - begin) +
                                " bytes do not fit its shape and dtype " + dt);
    }
    t.nbytes = static_cast<size_t>(end - begin);
    const uint8_t* at = file->data() + base + begin;
    RETURN_IF_ERROR(PointAtOrCopyAligned(&t, at, file, named));
    tensors.push_back(std::move(t));
  }
  ASSIGN_OR_RETURN(TensorStore store, CanonicalFromOfficial(std::move(tensors), path));
  for (auto& [k, v] : metadata) store.metadata()[k] = v;
  return store;
}

Status WriteSafetensorsFile(const std::string& path, const TensorStore& store,
                            const std::map<std::string, std::string>& metadata) {
  // Wider elements first, so that every tensor starts aligned to its element size.
  std::vector<const Tensor*> order;
  for (const auto& [name, t] : store.tensors()) {
    if (!DTypeToSafetensors(t.dtype)) {
      return Status::Unsupported(path + ": tensor " + name + ": safetensors cannot hold " +
                                 DTypeName(t.dtype) + " (use FP32, FP16 or BF16)");
    }
    order.push_back(&t);
  }
  std::stable_sort(order.begin(), order.end(), [](const Tensor* a, const Tensor* b) {
    return DTypeBlockBytes(a->dtype) > DTypeBlockBytes(b->dtype);
  });
  nlohmann::ordered_json header;
  if (!metadata.empty()) {
    nlohmann::ordered_json meta = nlohmann::ordered_json::object();
    for (const auto& [k, v] : metadata) meta[k] = v;
    header["__metadata__"] = meta;
  }
  uint64_t offset = 0;
  for (const Tensor* t : order) {
    header[t->name] = {{"dtype", DTypeToSafetensors(t->dtype)},
                       {"shape", t->shape},
                       {"data_offsets", {offset, offset + t->nbytes}}};
    offset += t->nbytes;
  }
  std::string text = header.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  // Pad the header with spaces so that the data starts 64-byte aligned.
  while ((8 + text.size()) % 64 != 0) text.push_back(' ');
  const uint64_t len = text.size();

  const std::string tmp = path + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return Status::IOError(path + ": cannot create");
  bool ok = std::fwrite(&len, 1, 8, f) == 8 && std::fwrite(text.data(), 1, len, f) == len;
  for (const Tensor* t : order) ok = ok && std::fwrite(t->data, 1, t->nbytes, f) == t->nbytes;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return Status::IOError(path + ": write failed");
  }
  return Status::Ok();
}

Status WriteSafetensorsModel(const std::string& path, const Model& model) {
  ASSIGN_OR_RETURN(TensorStore official,
                   OfficialFromCanonical(model.tensors(), model.config().arch));
  return WriteSafetensorsFile(path, official, official.metadata());
}

}  // namespace rwkv
