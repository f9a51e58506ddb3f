// rwkv-eval convert: reads any supported model file and writes it as rwkv.cpp .bin,
// safetensors or GGUF, optionally converting its matrices to another type.
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "command.h"
#include "rwkv/bin_format.h"
#include "rwkv/gguf_format.h"
#include "rwkv/model.h"
#include "rwkv/quantize.h"
#include "rwkv/safetensors_format.h"
#include "rwkv/tokenizer.h"

namespace rwkv::cli {

namespace {
constexpr const char* kName = "convert";

bool EndsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// The weight matrices that change type: 2-D ".weight" tensors (embedding, head, the projections)
// whose rows fill whole blocks. Vectors and the small low-rank matrices keep their type.
bool Converts(const Tensor& t, DType to) {
  return t.shape.size() == 2 && EndsWith(t.name, ".weight") &&
         t.shape[1] % DTypeBlockValues(to) == 0;
}

// A copy of `in` whose matrices are stored as `to` (through FP32).
StatusOr<TensorStore> Retype(const TensorStore& in, DType to) {
  TensorStore out;
  for (const auto& [name, t] : in.tensors()) {
    if (!Converts(t, to) || t.dtype == to) {
      RETURN_IF_ERROR(out.Add(name, t.dtype, t.shape, t.data, t.nbytes));
      continue;
    }
    const int64_t rows = t.shape[0], cols = t.shape[1];
    std::vector<float> row(static_cast<size_t>(cols));
    std::vector<uint8_t> bytes(DTypeBytes(to, rows * cols));
    const size_t in_row = DTypeBytes(t.dtype, cols), out_row = DTypeBytes(to, cols);
    for (int64_t r = 0; r < rows; ++r) {
      DequantizeRow(t.dtype, t.data + in_row * r, row.data(), cols);
      QuantizeRow(to, row.data(), bytes.data() + out_row * r, cols);
    }
    RETURN_IF_ERROR(out.Add(name, to, t.shape, bytes.data(), bytes.size()));
  }
  out.metadata() = in.metadata();
  out.set_tokenizer(in.tokenizer());
  return out;
}

// The token bytes a GGUF file stores (llama.cpp's "rwkv" tokenizer: greedy longest match): the
// model's own tokenizer, or the one named (bytes, world, a World vocabulary file), or for "auto"
// the one its vocabulary implies. A BPE tokenizer (20B) has no such form: with "auto" the file
// gets no tokenizer (with a note), named explicitly it is an error. "none": no tokenizer.
StatusOr<std::vector<std::string>> GgufTokens(const Model& m, const std::string& name) {
  const bool automatic = name.empty() || name == "auto";
  if (name == "none") return std::vector<std::string>();
  std::string choice = name;
  if (automatic && !m.tensors().tokenizer()) {
    choice = TokenizerNameForVocab(m.config().n_vocab);
    if (choice.empty() || choice == "20b") {
      std::fprintf(stderr,
                   "convert: note: no World-style tokenizer for a vocabulary of %d; the GGUF "
                   "file gets none (llama.cpp needs one; the engine does not)\n",
                   m.config().n_vocab);
      return std::vector<std::string>();
    }
  }
  if (choice == "20b" || EndsWith(choice, ".json")) {
    return Status::InvalidArgument("the BPE tokenizer " + choice +
                                   " cannot be stored as llama.cpp's rwkv tokenizer; use "
                                   "--tokenizer none");
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Tokenizer> t, LoadTokenizerForModel(choice, m));
  std::vector<std::string> tokens(static_cast<size_t>(t->vocab_size()));
  for (int id = 0; id < t->vocab_size(); ++id) tokens[static_cast<size_t>(id)] = t->TokenBytes(id);
  return tokens;
}
}  // namespace

int RunConvert(const std::vector<std::string>& args) {
  std::string in, out, format, type, tokenizer = "auto";
  po::options_description o;
  o.add_options()("in", po::value(&in)->required(), "model file (.pth, .safetensors, .bin)")(
      "out", po::value(&out)->required(), "output file")(
      "format", po::value(&format),
      "bin | safetensors | gguf (default: from the output's extension)")(
      "type", po::value(&type), "matrix type: FP32, FP16, BF16, Q8_0, Q5_1, Q5_0, Q4_1, Q4_0")(
      "tokenizer", po::value(&tokenizer),
      "gguf only: tokenizer stored in the file: auto | bytes | world | FILE | none");
  po::positional_options_description pos;
  pos.add("in", 1).add("out", 1);
  po::variables_map vm;
  int code = 0;
  if (!ParseArgs(kName, "IN OUT [--format bin|safetensors|gguf] [--type FP16|Q8_0|...]",
                 "Converts a model between file formats and matrix types.", o, pos, args, &vm,
                 &code)) {
    return code;
  }
  if (format.empty()) {
    format = EndsWith(out, ".safetensors") ? "safetensors"
             : EndsWith(out, ".gguf")      ? "gguf"
                                           : "bin";
  }
  if (format != "bin" && format != "safetensors" && format != "gguf") {
    return Fail(kName, "unknown --format " + format + " (bin, safetensors, gguf)", kExitUsage);
  }
  auto model = Model::Load(in);
  if (!model.ok()) return Fail(kName, model.status().ToString());
  const Model& m = **model;
  TensorStore retyped;
  const TensorStore* store = &m.tensors();
  std::shared_ptr<const Model> converted;
  if (!type.empty()) {
    DType to;
    if (!ParseDType(type, &to)) return Fail(kName, "unknown --type " + type, kExitUsage);
    auto r = Retype(m.tensors(), to);
    if (!r.ok()) return Fail(kName, r.status().ToString());
    auto rebuilt = Model::FromTensors(std::move(*r), in);
    if (!rebuilt.ok()) return Fail(kName, rebuilt.status().ToString());
    converted = *rebuilt;
    store = &converted->tensors();
  }
  const Model& target = converted ? *converted : m;
  Status s;
  if (format == "safetensors") {
    s = WriteSafetensorsModel(out, target);
  } else if (format == "gguf") {
    auto tokens = GgufTokens(target, tokenizer);
    if (!tokens.ok()) return Fail(kName, tokens.status().ToString());
    GgufWriteOptions options;
    options.world_tokens = std::move(*tokens);
    s = WriteGgufModel(out, target, options);
  } else {
    RwkvCppHeader h;
    h.n_vocab = target.config().n_vocab;
    h.n_embed = target.config().n_embd;
    h.n_layer = target.config().n_layer;
    h.data_type = DTypeToRwkvCpp(target.head().dtype);
    s = WriteRwkvCppFile(out, *store, h);
  }
  if (!s.ok()) return Fail(kName, s.ToString());
  std::printf("wrote %s (%s, %s)\n", out.c_str(), format.c_str(), target.Describe().c_str());
  return kExitOk;
}

}  // namespace rwkv::cli
