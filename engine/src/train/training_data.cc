#include "rwkv/train/training_data.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace rwkv::train {

std::vector<int32_t> BytesToTokens(const std::string& text) {
  std::vector<int32_t> t(text.size());
  for (size_t i = 0; i < text.size(); ++i) t[i] = static_cast<unsigned char>(text[i]);
  return t;
}

StatusOr<std::vector<int32_t>> LoadTrainingTokens(const std::string& path,
                                                  const std::string& format) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Status::NotFound("cannot open training data " + path);
  std::ostringstream ss;
  ss << f.rdbuf();
  const std::string raw = ss.str();
  if (raw.empty()) return Status::InvalidArgument("training data " + path + " is empty");
  if (format == "bytes") return BytesToTokens(raw);
  if (format == "u16") {
    if (raw.size() % 2 != 0) {
      return Status::InvalidArgument(path + ": u16 token file has an odd number of bytes");
    }
    std::vector<int32_t> t(raw.size() / 2);
    for (size_t i = 0; i < t.size(); ++i) {
      t[i] = static_cast<unsigned char>(raw[2 * i]) |
             (static_cast<int32_t>(static_cast<unsigned char>(raw[2 * i + 1])) << 8);
    }
    return t;
  }
  if (format == "jsonl") {
    std::istringstream lines(raw);
    std::string line, text;
    int n = 0;
    while (std::getline(lines, line)) {
      ++n;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.is_object() || !j.contains("text") || !j["text"].is_string()) {
        return Status::InvalidArgument(path + ":" + std::to_string(n) +
                                       ": expected a JSON object with a string \"text\"");
      }
      if (!text.empty()) text += "\n\n";
      text += j["text"].get<std::string>();
    }
    return BytesToTokens(text);
  }
  return Status::InvalidArgument("unknown training data format '" + format +
                                 "' (bytes, jsonl or u16)");
}

}  // namespace rwkv::train
