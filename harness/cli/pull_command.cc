// rwkv-eval pull: downloads an official checkpoint (and the tokenizer file it needs) or any
// https URL into the cache folder, resumably and with SHA-256 verification.
#include <unistd.h>

#include <iostream>

#include "command.h"
#include "rwkv/adapters/download.h"
#include "rwkv/adapters/download_progress.h"
#include "rwkv/adapters/model_registry.h"
#include "rwkv/cache_dir.h"
#include "rwkv/tokenizer.h"

namespace rwkv::cli {

namespace {
constexpr const char* kName = "pull";

using adapters::RegistryEntry;

void PrintRegistry() {
  std::cout << "Known names (rwkv-eval pull NAME):\n";
  for (const RegistryEntry& e : adapters::BuiltinRegistry()) {
    std::string name = e.name;
    name.resize(std::max<size_t>(name.size() + 2, 20), ' ');
    std::cout << "  " << name << (e.exact_size ? "" : "~") << adapters::FormatBytes(e.approx_bytes)
              << "  " << e.description << (e.sha256.empty() ? " (digest unknown)" : "") << "\n";
  }
}

// The file name at the end of a URL's path ("" if none).
std::string UrlFileName(const std::string& url) {
  std::string path = url.substr(0, url.find_first_of("?#"));
  const size_t scheme = path.find("://");
  if (scheme != std::string::npos) path = path.substr(scheme + 3);
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return "";
  return path.substr(slash + 1);
}

// Downloads one file, showing progress on stderr; prints where it went on stdout.
int Fetch(const adapters::DownloadRequest& request, const std::string& label) {
  adapters::ProgressPrinter printer(stderr, label, isatty(fileno(stderr)) != 0);
  adapters::DownloadOptions options;
  options.on_progress = [&](const adapters::DownloadProgress& p) { printer.Update(p); };
  auto result = adapters::DownloadFile(request, options);
  printer.Finish();
  if (!result.ok()) return Fail(kName, result.status().ToString());
  if (result->already_present) {
    std::cerr << label << ": already downloaded" << (result->verified ? " (SHA-256 verified)" : "")
              << "\n";
  } else {
    std::cerr << label << ": " << adapters::FormatBytes(result->bytes)
              << (result->resumed_from > 0
                      ? ", resumed from " + adapters::FormatBytes(result->resumed_from)
                      : "")
              << (result->verified ? ", SHA-256 verified"
                                   : ", SHA-256 " + result->sha256 + " (no known digest to check)")
              << "\n";
  }
  std::cout << result->path << "\n";
  return kExitOk;
}

// A downloaded tokenizer file must also load: catches an HTML error page saved as a vocabulary.
int CheckTokenizerLoads(const std::string& path) {
  auto t = LoadTokenizer(path);
  if (!t.ok()) return Fail(kName, "downloaded tokenizer does not load: " + t.status().ToString());
  return kExitOk;
}

}  // namespace

int RunPull(const std::vector<std::string>& args) {
  std::string target, dir, sha256;
  bool list = false, no_tokenizer = false;
  po::options_description o;
  o.add_options()("name", po::value(&target), "a known name (see --list) or an https URL")(
      "dir", po::value(&dir), "download folder (default: the cache folder, see below)")(
      "sha256", po::value(&sha256), "expected SHA-256 of the file (hex); overrides the registry")(
      "no-tokenizer", po::bool_switch(&no_tokenizer), "do not also fetch the model's tokenizer")(
      "list", po::bool_switch(&list), "list the known names and exit");
  po::positional_options_description positional;
  positional.add("name", 1);
  po::variables_map vm;
  int code = 0;
  const std::string cache = CacheDir();
  if (!ParseArgs(kName, "NAME|URL [--dir DIR] [--sha256 HEX]",
                 "Downloads a model checkpoint and the tokenizer file it needs (or any https URL) "
                 "into " +
                     (cache.empty() ? std::string("$XDG_CACHE_HOME/rwkv-eval") : cache) +
                     " (models/ and tokenizers/), resuming an interrupted download and verifying "
                     "the SHA-256 where it is known. Prints the downloaded paths.",
                 o, positional, args, &vm, &code)) {
    return code;
  }
  if (list) {
    PrintRegistry();
    return kExitOk;
  }
  if (target.empty()) return Fail(kName, "give a name (see --list) or a URL", kExitUsage);
  if (dir.empty() && cache.empty()) {
    return Fail(kName, "neither XDG_CACHE_HOME nor HOME is set; pass --dir", kExitUsage);
  }
  auto folder_for = [&](bool tokenizer) {
    if (!dir.empty()) return dir;
    return tokenizer ? TokenizerCacheDir() : cache + "/models";
  };

  const RegistryEntry* entry = adapters::FindRegistryEntry(target);
  if (!entry) {
    if (target.find("://") == std::string::npos) {
      std::cerr << "rwkv-eval pull: '" << target << "' is neither a known name nor a URL\n";
      PrintRegistry();
      return kExitUsage;
    }
    const std::string file = UrlFileName(target);
    if (file.empty()) return Fail(kName, target + ": the URL does not end in a file name");
    adapters::DownloadRequest request{target, folder_for(false) + "/" + file, sha256, -1};
    return Fetch(request, file);
  }
  adapters::DownloadRequest request{
      entry->url, folder_for(entry->is_tokenizer) + "/" + entry->file_name,
      sha256.empty() ? entry->sha256 : sha256, entry->exact_size ? entry->approx_bytes : -1};
  code = Fetch(request, entry->name);
  if (code != kExitOk) return code;
  if (entry->is_tokenizer) return CheckTokenizerLoads(request.dest_path);
  if (no_tokenizer || entry->tokenizer.empty()) return kExitOk;
  const RegistryEntry* tok = adapters::FindRegistryEntry(entry->tokenizer);
  if (!tok) return Fail(kName, "internal: unknown tokenizer entry " + entry->tokenizer);
  adapters::DownloadRequest tok_request{tok->url, folder_for(true) + "/" + tok->file_name,
                                        tok->sha256, tok->exact_size ? tok->approx_bytes : -1};
  code = Fetch(tok_request, tok->name);
  if (code != kExitOk) return code;
  if (!dir.empty()) {
    std::cerr << "note: tokenizers are looked for in $RWKV_EVAL_TOKENIZER_DIR and "
              << TokenizerCacheDir() << "; set RWKV_EVAL_TOKENIZER_DIR=" << dir
              << " or pass the file with --tokenizer\n";
  }
  return CheckTokenizerLoads(tok_request.dest_path);
}

}  // namespace rwkv::cli
