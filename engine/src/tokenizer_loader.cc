// Finding and loading tokenizers by name, by file, or from a model's vocabulary size.
#include <cstdlib>
#include <filesystem>

#include "rwkv/cache_dir.h"
#include "rwkv/gguf_format.h"
#include "rwkv/tokenizer.h"

namespace rwkv {

namespace {

constexpr int kByteVocab = 256;
constexpr int kPileVocab = 50277;
constexpr int kWorldVocab = 65536;

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string EnvOr(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

StatusOr<std::unique_ptr<Tokenizer>> LoadTokenizerFile(const std::string& path,
                                                       const std::string& name) {
  if (EndsWith(path, ".json")) return LoadBpeTokenizer(path, name);
  if (EndsWith(path, ".gguf")) return ReadGgufTokenizer(path);
  return LoadWorldTokenizer(path, name);
}

}  // namespace

std::string TokenizerFileName(const std::string& name) {
  if (name == "world") return "rwkv_vocab_v20230424.txt";
  if (name == "20b") return "20B_tokenizer.json";
  return "";
}

std::vector<std::string> TokenizerSearchDirs() {
  std::vector<std::string> dirs;
  if (const std::string env = EnvOr("RWKV_EVAL_TOKENIZER_DIR"); !env.empty()) dirs.push_back(env);
  if (const std::string cache = TokenizerCacheDir(); !cache.empty()) dirs.push_back(cache);
  const std::string shared = EnvOr("RWKV_EVAL_SHARED");
  dirs.push_back((shared.empty() ? std::string(RWKV_EVAL_SOURCE_DIR) + "/../shared" : shared) +
                 "/tokenizers");
  return dirs;
}

StatusOr<std::unique_ptr<Tokenizer>> LoadTokenizer(const std::string& name_or_path) {
  if (name_or_path == "bytes") return MakeByteTokenizer();
  const std::string file = TokenizerFileName(name_or_path);
  if (file.empty()) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(name_or_path, ec)) {
      return LoadTokenizerFile(name_or_path, name_or_path);
    }
    return Status::NotFound("tokenizer '" + name_or_path +
                            "' is neither bytes, world, 20b nor an existing file");
  }
  std::string looked;
  for (const std::string& dir : TokenizerSearchDirs()) {
    const std::string path = dir + "/" + file;
    std::error_code ec;
    if (std::filesystem::is_regular_file(path, ec)) return LoadTokenizerFile(path, name_or_path);
    looked += "\n  " + path;
  }
  return Status::NotFound("the " + name_or_path + " tokenizer needs " + file +
                          ", which is in none of these places:" + looked +
                          "\nrun `rwkv-eval pull " + name_or_path +
                          "-tokenizer`, set RWKV_EVAL_TOKENIZER_DIR, or pass the file's path");
}

std::string TokenizerNameForVocab(int n_vocab) {
  switch (n_vocab) {
    case kByteVocab:
      return "bytes";
    case kPileVocab:
      return "20b";
    case kWorldVocab:
      return "world";
    default:
      return "";
  }
}

Status CheckTokenizerFits(const Tokenizer& tokenizer, int n_vocab) {
  if (tokenizer.vocab_size() <= n_vocab) return Status::Ok();
  return Status::InvalidArgument("tokenizer " + tokenizer.name() + " produces ids up to " +
                                 std::to_string(tokenizer.vocab_size() - 1) +
                                 " but the model has only " + std::to_string(n_vocab) +
                                 " vocabulary rows: it was trained with another tokenizer");
}

StatusOr<std::unique_ptr<Tokenizer>> LoadTokenizerForModel(const std::string& name_or_path,
                                                           int n_vocab) {
  std::string name = name_or_path;
  if (name.empty() || name == "auto") {
    name = TokenizerNameForVocab(n_vocab);
    if (name.empty()) {
      return Status::InvalidArgument("no known tokenizer has a vocabulary of " +
                                     std::to_string(n_vocab) +
                                     " tokens; name one explicitly (bytes, world, 20b or a file)");
    }
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Tokenizer> tokenizer, LoadTokenizer(name));
  RETURN_IF_ERROR(CheckTokenizerFits(*tokenizer, n_vocab));
  return tokenizer;
}

}  // namespace rwkv
