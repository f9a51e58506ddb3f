// rwkv-eval tokenize: text to token ids (a JSON array on stdout).
#include <fstream>
#include <iostream>
#include <sstream>

#include "command.h"
#include "rwkv/tokenizer.h"

namespace rwkv::cli {

namespace {
constexpr const char* kName = "tokenize";
}  // namespace

int RunTokenize(const std::vector<std::string>& args) {
  std::string tokenizer_name, text, text_file;
  po::options_description o;
  o.add_options()("tokenizer", po::value(&tokenizer_name)->required(),
                  "world | 20b | bytes | a vocabulary file (.txt World, .json tokenizer.json)")(
      "text", po::value(&text), "the text to encode")("text-file", po::value(&text_file),
                                                      "a file whose bytes are the text to encode");
  po::variables_map vm;
  int code = 0;
  if (!ParseArgs(kName, "--tokenizer world|20b|bytes|FILE (--text TEXT | --text-file FILE)",
                 "Prints the token ids of the text as a JSON array.", o, {}, args, &vm, &code)) {
    return code;
  }
  if (vm.count("text") == vm.count("text-file")) {
    return Fail(kName, "give exactly one of --text and --text-file", kExitUsage);
  }
  if (!text_file.empty()) {
    std::ifstream in(text_file, std::ios::binary);
    if (!in) return Fail(kName, text_file + ": cannot open text file");
    std::ostringstream s;
    s << in.rdbuf();
    text = s.str();
  }
  auto tokenizer = LoadTokenizer(tokenizer_name);
  if (!tokenizer.ok()) return Fail(kName, tokenizer.status().ToString());
  const std::vector<int32_t> ids = (*tokenizer)->Encode(text);
  std::string out = "[";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(ids[i]);
  }
  out += "]\n";
  std::cout << out;
  return kExitOk;
}

}  // namespace rwkv::cli
