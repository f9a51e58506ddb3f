#include "rwkv/pth_format.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "mapped_file.h"
#include "official_form.h"
#include "torch_pickle.h"
#include "zip_archive.h"

namespace rwkv {

namespace {

bool EndsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// Checks that `t` is laid out row-major without gaps and returns its element count.
StatusOr<int64_t> ContiguousNumel(const PickledTensor& t, const std::string& named) {
  int64_t expected = 1;
  for (size_t d = t.shape.size(); d-- > 0;) {
    if (t.shape[d] < 0 || t.shape[d] > (int64_t{1} << 40)) {
      return Status::Corruption(named + ": dimension " + std::to_string(t.shape[d]));
    }
    if (t.shape[d] != 1 && t.stride[d] != expected) {
      return Status::Unsupported(named + ": non-contiguous tensor (stride " +
                                 std::to_string(t.stride[d]) + " in dimension " +
                                 std::to_string(d) + ", expected " + std::to_string(expected) +
                                 "); save it with .contiguous()");
    }
    if (t.shape[d] != 0 && expected > (int64_t{1} << 40) / t.shape[d]) {
      return Status::Corruption(named + ": implausibly many values");
    }
    expected *= t.shape[d];
  }
  return expected;
}

}  // namespace

bool LooksLikeZip(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  unsigned char m[4] = {0, 0, 0, 0};
  const size_t got = std::fread(m, 1, 4, f);
  std::fclose(f);
  return got == 4 && m[0] == 'P' && m[1] == 'K' && m[2] == 3 && m[3] == 4;
}

StatusOr<TensorStore> ReadPthFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::shared_ptr<const MappedFile> file, MappedFile::Open(path));
  ASSIGN_OR_RETURN(auto entries, ListZipEntries(file->data(), file->size(), path));
  std::string pickle_name;
  for (const auto& [name, entry] : entries) {
    if (name == "data.pkl" || EndsWith(name, "/data.pkl")) {
      if (!pickle_name.empty()) {
        return Status::Corruption(path + ": more than one data.pkl in the archive");
      }
      pickle_name = name;
    }
  }
  if (pickle_name.empty()) {
    return Status::Corruption(path + ": not a torch.save checkpoint (no data.pkl in the zip)");
  }
  const std::string prefix = pickle_name.substr(0, pickle_name.size() - 8);  // "<name>/"
  const ZipEntry& pkl = entries.at(pickle_name);
  if (!pkl.stored) return Status::Unsupported(path + ": " + pickle_name + " is compressed");
  ASSIGN_OR_RETURN(std::vector<PickledTensor> pickled,
                   ReadTorchStateDictPickle(file->data() + pkl.data_offset, pkl.size, path));

  std::vector<SourceTensor> tensors;
  tensors.reserve(pickled.size());
  for (const PickledTensor& p : pickled) {
    const std::string named = path + ": tensor " + p.name;
    const std::string member = prefix + "data/" + p.storage_key;
    auto it = entries.find(member);
    if (it == entries.end()) return Status::Corruption(named + ": storage " + member + " missing");
    const ZipEntry& e = it->second;
    if (!e.stored) return Status::Unsupported(named + ": storage " + member + " is compressed");
    ASSIGN_OR_RETURN(int64_t numel, ContiguousNumel(p, named));
    const uint64_t es = static_cast<uint64_t>(DTypeBlockBytes(p.dtype));
    const uint64_t nbytes = static_cast<uint64_t>(numel) * es;
    if (p.storage_offset < 0 || static_cast<uint64_t>(p.storage_offset) > e.size / es ||
        nbytes > e.size - static_cast<uint64_t>(p.storage_offset) * es) {
      return Status::Corruption(named + ": " + std::to_string(numel) + " values at offset " +
                                std::to_string(p.storage_offset) + " do not fit its storage of " +
                                std::to_string(e.size) + " bytes");
    }
    SourceTensor t;
    t.name = p.name;
    t.dtype = p.dtype;
    t.shape = p.shape;
    t.nbytes = static_cast<size_t>(nbytes);
    const uint8_t* at = file->data() + e.data_offset + p.storage_offset * es;
    RETURN_IF_ERROR(PointAtOrCopyAligned(&t, at, file, named));
    tensors.push_back(std::move(t));
  }
  return CanonicalFromOfficial(std::move(tensors), path);
}

}  // namespace rwkv
