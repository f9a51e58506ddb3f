// rwkv-eval inspect: architecture, shapes, types, parameter count, file size and tokenizer of a
// model file.
#include <cstdio>
#include <filesystem>
#include <map>

#include "command.h"
#include "rwkv/model.h"
#include "rwkv/tokenizer.h"

namespace rwkv::cli {

namespace {
constexpr const char* kName = "inspect";

// The tokenizer a vocabulary size implies (the official models' conventions).
const char* TokenizerFor(int n_vocab) {
  switch (n_vocab) {
    case 256:
      return "bytes";
    case 50277:
      return "20b";
    case 65536:
      return "world";
    default:
      return "unknown (name one with --tokenizer)";
  }
}
}  // namespace

int RunInspect(const std::vector<std::string>& args) {
  std::string path;
  po::options_description o;
  o.add_options()("model", po::value(&path)->required(), "model file");
  po::positional_options_description pos;
  pos.add("model", 1);
  po::variables_map vm;
  int code = 0;
  if (!ParseArgs(kName, "MODEL", "Prints a model's architecture, tensors and tokenizer.", o, pos,
                 args, &vm, &code)) {
    return code;
  }
  auto model = Model::Load(path);
  if (!model.ok()) return Fail(kName, model.status().ToString());
  const Model& m = **model;
  const ModelConfig& c = m.config();
  std::error_code ec;
  const auto file_size = std::filesystem::file_size(path, ec);
  int64_t params = 0;
  std::map<std::string, int64_t> by_type;
  for (const auto& [name, t] : m.tensors().tensors()) {
    params += t.numel();
    by_type[DTypeName(t.dtype)] += t.numel();
  }
  std::printf("file:          %s (%llu bytes)\n", path.c_str(),
              static_cast<unsigned long long>(ec ? 0 : file_size));
  std::printf("architecture:  %s\n", m.Describe().c_str());
  std::printf("parameters:    %lld\n", static_cast<long long>(params));
  for (const auto& [type, n] : by_type) {
    std::printf("  %-6s       %lld\n", type.c_str(), static_cast<long long>(n));
  }
  if (const auto& own = m.tensors().tokenizer()) {
    std::printf("tokenizer:     %s (stored in the file, %d tokens)\n", own->name().c_str(),
                own->vocab_size());
  } else {
    std::printf("tokenizer:     %s\n", TokenizerFor(c.n_vocab));
  }
  for (const auto& [k, v] : m.tensors().metadata()) {
    std::printf("metadata:      %s = %.80s\n", k.c_str(), v.c_str());
  }
  std::printf("tensors:\n");
  for (const auto& [name, t] : m.tensors().tensors()) {
    std::printf("  %-40s %-5s %s\n", name.c_str(), DTypeName(t.dtype), t.ShapeString().c_str());
  }
  return kExitOk;
}

}  // namespace rwkv::cli
