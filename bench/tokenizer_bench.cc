// Tokenizer encoding and decoding speed on LAMBADA text, one core.
//
// usage: tokenizer_bench [LAMBADA.jsonl] [--repeat N]
// Reads the texts of a {"text"} JSON-lines file (default: the reference data's LAMBADA test set),
// joins them with blank lines, and reports MB/s of input text for World and 20B encoding and
// decoding, plus the byte tokenizer as the floor, all measured in the same run.
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "rwkv/tokenizer.h"

namespace {

std::string ReadTexts(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    std::cerr << "tokenizer_bench: cannot open " << path << "\n";
    std::exit(1);
  }
  std::string all, line;
  while (std::getline(in, line)) {
    all += nlohmann::json::parse(line).at("text").get<std::string>();
    all += "\n\n";
  }
  return all;
}

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Returns the encoding speed in MB/s.
double Measure(const rwkv::Tokenizer& t, const std::string& text, int repeat) {
  size_t n_ids = 0;
  double best_encode = 1e30, best_decode = 1e30;
  std::vector<int32_t> ids;
  for (int r = 0; r < repeat; ++r) {
    auto start = std::chrono::steady_clock::now();
    ids = t.Encode(text);
    best_encode = std::min(best_encode, Seconds(start));
    n_ids = ids.size();
    start = std::chrono::steady_clock::now();
    const std::string back = t.Decode(ids);
    best_decode = std::min(best_decode, Seconds(start));
    if (back.size() != text.size()) std::cerr << t.name() << ": decode size differs!\n";
  }
  const double mb = text.size() / 1e6;
  std::printf("%-6s %9zu tokens  %5.2f bytes/token  encode %8.1f MB/s  decode %8.1f MB/s\n",
              t.name().c_str(), n_ids, double(text.size()) / n_ids, mb / best_encode,
              mb / best_decode);
  return mb / best_encode;
}

}  // namespace

int main(int argc, char** argv) {
  std::string path = std::string(RWKV_EVAL_SOURCE_DIR) + "/../shared/datasets/lambada_test.jsonl";
  if (const char* shared = std::getenv("RWKV_EVAL_SHARED")) {
    path = std::string(shared) + "/datasets/lambada_test.jsonl";
  }
  int repeat = 3;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) {
      repeat = std::max(1, std::atoi(argv[++i]));
    } else {
      path = argv[i];
    }
  }
  const std::string text = ReadTexts(path);
  std::printf("%s: %.2f MB of text, best of %d runs, one thread\n", path.c_str(), text.size() / 1e6,
              repeat);
  Measure(*rwkv::MakeByteTokenizer(), text, repeat);
  // Encoding targets on one core: World 20 MB/s, 20B 5 MB/s.
  const std::pair<const char*, double> targets[] = {{"world", 20.0}, {"20b", 5.0}};
  std::string summary;
  for (const auto& [name, target] : targets) {
    auto t = rwkv::LoadTokenizer(name);
    if (!t.ok()) {
      std::cerr << "tokenizer_bench: " << t.status().ToString() << "\n";
      return 1;
    }
    const double speed = Measure(**t, text, repeat);
    char line[160];
    std::snprintf(line, sizeof line, "%-6s encode: %.2fx the %.0f MB/s target\n", name,
                  speed / target, target);
    summary += line;
  }
  std::printf("%s", summary.c_str());
  return 0;
}
