// rwkv-eval logits: the logits after every token, as raw float32, for comparison with other
// implementations position by position.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "command.h"
#include "rwkv/forward.h"
#include "rwkv/model.h"

namespace rwkv::cli {

namespace {
constexpr const char* kName = "logits";

StatusOr<std::vector<int32_t>> ReadTokens(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound(path + ": cannot open tokens file");
  nlohmann::json j;
  try {
    in >> j;
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(path + ": not valid JSON: " + e.what());
  }
  if (!j.is_array()) return Status::InvalidArgument(path + ": expected a JSON array of token ids");
  std::vector<int32_t> ids;
  for (size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_number_integer()) {
      return Status::InvalidArgument(path + ": element " + std::to_string(i) +
                                     " is not an integer token id");
    }
    ids.push_back(j[i].get<int32_t>());
  }
  return ids;
}
}  // namespace

int RunLogits(const std::vector<std::string>& args) {
  std::string model_path, text_file, tokens_file, out_path, mode;
  int threads = 0;
  po::options_description o;
  o.add_options()("model,m", po::value(&model_path)->required(), "model file")(
      "text-file", po::value(&text_file), "text to evaluate (byte-level models)")(
      "tokens-file", po::value(&tokens_file), "JSON array of token ids to evaluate instead")(
      "out,o", po::value(&out_path)->required(), "output: float32 [n_tokens][n_vocab]")(
      "mode", po::value(&mode)->default_value("sequence"), "serial | sequence")(
      "threads,t", po::value(&threads)->default_value(0), "engine threads (0: RWKV_EVAL_THREADS or all cores)");
  po::variables_map vm;
  int code = 0;
  if (!ParseArgs(kName, "--model MODEL (--text-file FILE | --tokens-file IDS.json) --out OUT.f32",
                 "Writes the logits after every token as raw little-endian float32 "
                 "[n_tokens][n_vocab].",
                 o, {}, args, &vm, &code)) {
    return code;
  }
  if (mode != "serial" && mode != "sequence") {
    return Fail(kName, "--mode must be serial or sequence, not '" + mode + "'", kExitUsage);
  }
  if (text_file.empty() == tokens_file.empty()) {
    return Fail(kName, "give exactly one of --text-file and --tokens-file", kExitUsage);
  }
  SetThreads(ResolveThreads(threads));
  auto model = Model::Load(model_path);
  if (!model.ok()) return Fail(kName, model.status().ToString());
  std::vector<int32_t> ids;
  if (!tokens_file.empty()) {
    auto t = ReadTokens(tokens_file);
    if (!t.ok()) return Fail(kName, t.status().ToString());
    ids = std::move(*t);
  } else {
    if ((*model)->config().n_vocab != 256) {
      return Fail(kName, model_path + " has a vocabulary of " +
                             std::to_string((*model)->config().n_vocab) +
                             " tokens, not bytes; pass --tokens-file with token ids");
    }
    std::ifstream in(text_file, std::ios::binary);
    if (!in) return Fail(kName, text_file + ": cannot open text file");
    std::ostringstream s;
    s << in.rdbuf();
    for (unsigned char ch : s.str()) ids.push_back(ch);
  }
  State state = State::Initial(**model);
  std::vector<float> logits;
  ForwardOptions fo;
  fo.max_chunk = mode == "serial" ? 1 : 128;
  Status st = Forward(**model, &state, ids, LogitsMode::kAll, &logits, fo);
  if (!st.ok()) return Fail(kName, st.ToString());
  FILE* f = std::fopen(out_path.c_str(), "wb");
  if (!f) return Fail(kName, out_path + ": cannot create");
  const bool ok = std::fwrite(logits.data(), sizeof(float), logits.size(), f) == logits.size();
  if (std::fclose(f) != 0 || !ok) return Fail(kName, out_path + ": write failed");
  std::cerr << "wrote " << ids.size() << " x " << (*model)->config().n_vocab << " logits to "
            << out_path << "\n";
  return kExitOk;
}

}  // namespace rwkv::cli
