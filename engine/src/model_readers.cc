#include "model_readers.h"

#include <cstdio>
#include <cstring>

#include "rwkv/bin_format.h"
#include "rwkv/gguf_format.h"
#include "rwkv/pth_format.h"
#include "rwkv/safetensors_format.h"

namespace rwkv {

StatusOr<TensorStore> ReadModelFile(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return Status::NotFound(path + ": cannot open model file");
  unsigned char magic[4] = {0, 0, 0, 0};
  const size_t got = std::fread(magic, 1, 4, f);
  std::fclose(f);
  uint32_t m = 0;
  std::memcpy(&m, magic, 4);
  if (got == 4 && m == kRwkvCppMagic) return ReadRwkvCppFile(path);
  if (got == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4) {
    return ReadPthFile(path);
  }
  if (got == 4 && std::memcmp(magic, "GGUF", 4) == 0) return ReadGgufFile(path);
  // safetensors: a little-endian header length, then a JSON object.
  if (path.size() >= 12 && path.compare(path.size() - 12, 12, ".safetensors") == 0) {
    return ReadSafetensorsFile(path);
  }
  return Status::Unsupported(path +
                             ": unrecognized model file format (supported: rwkv.cpp .bin, "
                             "PyTorch .pth, .safetensors, GGUF)");
}

}  // namespace rwkv
