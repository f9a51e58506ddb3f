// rwkv-eval make-model: writes a random-weight model of a real shape, so that anyone can
// benchmark without downloading weights.
#include <iostream>

#include "command.h"
#include "rwkv/model.h"
#include "rwkv/random_model.h"

namespace rwkv::cli {

namespace {
constexpr const char* kName = "make-model";

bool ParseArch(const std::string& s, Arch* out) {
  if (s == "v4" || s == "4")
    *out = Arch::kV4;
  else if (s == "v5.2" || s == "5.2" || s == "v5")
    *out = Arch::kV5_2;
  else if (s == "v6" || s == "6")
    *out = Arch::kV6;
  else if (s == "v7" || s == "7")
    *out = Arch::kV7;
  else
    return false;
  return true;
}
}  // namespace

int RunMakeModel(const std::vector<std::string>& args) {
  std::string arch_name, type_name, out;
  RandomModelSpec spec;
  int heads = 0;
  po::options_description o;
  o.add_options()("arch", po::value(&arch_name)->required(), "v4 | v5.2 | v6 | v7")(
      "layers", po::value(&spec.n_layer)->required(), "number of blocks")(
      "embed", po::value(&spec.n_embd)->required(), "embedding size")(
      "heads", po::value(&heads)->default_value(0), "number of heads (instead of --head-size)")(
      "head-size", po::value(&spec.head_size)->default_value(64), "head size (v5.2, v6, v7)")(
      "ffn", po::value(&spec.n_ffn)->default_value(0),
      "FFN size (0: the official default for the architecture)")(
      "vocab", po::value(&spec.n_vocab)->required(), "vocabulary size")(
      "type", po::value(&type_name), "matrix type: FP32 (default) FP16 Q8_0 Q5_1 Q5_0 Q4_1 Q4_0")(
      "format", po::value(&type_name), "same as --type")(
      "seed", po::value(&spec.seed)->default_value(0), "random seed (same seed, same file)")(
      "out,o", po::value(&out)->required(), "output .bin file");
  po::positional_options_description pos;
  pos.add("out", 1);
  po::variables_map vm;
  int code = 0;
  if (!ParseArgs(kName,
                 "--arch v4|v5.2|v6|v7 --layers N --embed C [--heads H | --head-size N] "
                 "[--ffn F] --vocab V --type TYPE [--seed S] OUT.bin",
                 "Writes a random-weight model of a real shape in the rwkv.cpp .bin format, "
                 "e.g. --arch v7 --layers 12 --embed 768 --vocab 65536 --type Q8_0.",
                 o, pos, args, &vm, &code)) {
    return code;
  }
  if (type_name.empty()) type_name = "FP32";
  if (!ParseArch(arch_name, &spec.arch)) {
    return Fail(kName, "--arch must be v4, v5.2, v6 or v7, not '" + arch_name + "'", kExitUsage);
  }
  if (!ParseDType(type_name, &spec.dtype) || spec.dtype == DType::kBF16) {
    return Fail(
        kName, "--type must be FP32, FP16, Q8_0, Q5_1, Q5_0, Q4_1 or Q4_0, not '" + type_name + "'",
        kExitUsage);
  }
  if (heads > 0) {
    if (spec.n_embd % heads != 0) {
      return Fail(kName,
                  "--heads " + std::to_string(heads) + " does not divide --embed " +
                      std::to_string(spec.n_embd),
                  kExitUsage);
    }
    spec.head_size = spec.n_embd / heads;
  }
  Status st = WriteRandomModel(spec, out);
  if (!st.ok()) return Fail(kName, st.ToString());
  auto m = Model::Load(out);
  if (!m.ok()) return Fail(kName, "the written file does not load: " + m.status().ToString());
  std::cout << "wrote " << out << ": " << (*m)->Describe() << ", " << DTypeName(spec.dtype) << ", "
            << (*m)->tensors().TotalBytes() / (1024.0 * 1024.0) << " MiB of weights\n";
  return kExitOk;
}

}  // namespace rwkv::cli
