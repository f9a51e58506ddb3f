// rwkv-eval detokenize: token ids (a JSON array) back to text on stdout.
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "command.h"
#include "rwkv/tokenizer.h"

namespace rwkv::cli {

namespace {
constexpr const char* kName = "detokenize";

// Parses a JSON array of token ids, each within [0, vocab_size). `source` names the input in
// error messages.
StatusOr<std::vector<int32_t>> ParseIds(const std::string& json_text, const std::string& source,
                                        int vocab_size) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(source + ": not valid JSON: " + e.what());
  }
  if (!j.is_array()) return Status::InvalidArgument(source + ": expected a JSON array of ids");
  std::vector<int32_t> ids;
  for (size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_number_integer() || j[i].get<int64_t>() < 0 || j[i].get<int64_t>() >= vocab_size) {
      return Status::InvalidArgument(source + ": element " + std::to_string(i) + " (" +
                                     j[i].dump() + ") is not a token id in [0, " +
                                     std::to_string(vocab_size) + ")");
    }
    ids.push_back(j[i].get<int32_t>());
  }
  return ids;
}
}  // namespace

int RunDetokenize(const std::vector<std::string>& args) {
  std::string tokenizer_name, ids_json, ids_file;
  po::options_description o;
  o.add_options()("tokenizer", po::value(&tokenizer_name)->required(),
                  "world | 20b | bytes | a vocabulary file (.txt World, .json tokenizer.json)")(
      "ids", po::value(&ids_json), "a JSON array of token ids, e.g. '[34, 7696]'")(
      "ids-file", po::value(&ids_file), "a file holding such an array");
  po::variables_map vm;
  int code = 0;
  if (!ParseArgs(kName, "--tokenizer world|20b|bytes|FILE (--ids JSON | --ids-file FILE)",
                 "Prints the bytes the token ids stand for.", o, {}, args, &vm, &code)) {
    return code;
  }
  if (vm.count("ids") == vm.count("ids-file")) {
    return Fail(kName, "give exactly one of --ids and --ids-file", kExitUsage);
  }
  std::string source = "--ids";
  if (!ids_file.empty()) {
    std::ifstream in(ids_file, std::ios::binary);
    if (!in) return Fail(kName, ids_file + ": cannot open ids file");
    std::ostringstream s;
    s << in.rdbuf();
    ids_json = s.str();
    source = ids_file;
  }
  auto tokenizer = LoadTokenizer(tokenizer_name);
  if (!tokenizer.ok()) return Fail(kName, tokenizer.status().ToString());
  auto ids = ParseIds(ids_json, source, (*tokenizer)->vocab_size());
  if (!ids.ok()) return Fail(kName, ids.status().message(), kExitUsage);
  std::cout << (*tokenizer)->Decode(*ids) << std::flush;
  return kExitOk;
}

}  // namespace rwkv::cli
