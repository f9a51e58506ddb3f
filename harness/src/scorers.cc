#include "rwkv/harness/scorers.h"

#include <cctype>
#include <cmath>
#include <map>
#include <regex>
#include <sstream>

#include "rwkv/harness/extraction.h"

namespace rwkv::harness {

namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool ParseNumber(const std::string& text, double* out) {
  const std::string s = NormalizeNumber(text);
  if (s.empty()) return false;
  char* end = nullptr;
  *out = std::strtod(s.c_str(), &end);
  return end && *end == '\0';
}

std::string NormalizeOutput(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
      line.pop_back();
    }
    lines.push_back(line);
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  size_t first = 0;
  while (first < lines.size() && lines[first].empty()) ++first;
  std::string out;
  for (size_t i = first; i < lines.size(); ++i) out += lines[i] + "\n";
  return out;
}

std::vector<std::string> Words(const std::string& text) {
  std::vector<std::string> words;
  std::string cur;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      cur += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      if (!cur.empty()) words.push_back(cur);
      cur.clear();
    }
  }
  if (!cur.empty()) words.push_back(cur);
  return words;
}

double TokenF1(const std::string& answer, const std::string& target) {
  const auto a = Words(answer), t = Words(target);
  if (a.empty() || t.empty()) return a.empty() && t.empty() ? 1.0 : 0.0;
  std::map<std::string, int> counts;
  for (const auto& w : t) ++counts[w];
  int common = 0;
  for (const auto& w : a) {
    auto it = counts.find(w);
    if (it != counts.end() && it->second > 0) {
      --it->second;
      ++common;
    }
  }
  if (common == 0) return 0.0;
  const double precision = static_cast<double>(common) / static_cast<double>(a.size());
  const double recall = static_cast<double>(common) / static_cast<double>(t.size());
  return 2 * precision * recall / (precision + recall);
}

}  // namespace

const std::vector<std::string>& ScorerNames() {
  static const std::vector<std::string> kNames = {"exact",   "contains",    "regex",
                                                  "numeric", "code_output", "token_f1"};
  return kNames;
}

Status ValidateScorer(const Scorer& s) {
  bool known = false;
  for (const auto& n : ScorerNames()) known = known || n == s.type;
  if (!known) return Status::InvalidArgument("unknown scorer '" + s.type + "'");
  if (s.tolerance < 0) return Status::InvalidArgument("tolerance must be >= 0");
  if (s.type == "regex") {
    if (s.pattern.empty()) return Status::InvalidArgument("scorer regex needs a 'pattern'");
    try {
      std::regex re(s.pattern);
    } catch (const std::regex_error& e) {
      return Status::InvalidArgument("invalid pattern '" + s.pattern + "': " + e.what());
    }
  }
  return Status::Ok();
}

double Score(const Scorer& s, const std::string& answer, const std::string& target) {
  const std::string a = s.ignore_case ? Lower(answer) : answer;
  const std::string t = s.ignore_case ? Lower(target) : target;
  if (s.type == "exact") return a == t ? 1.0 : 0.0;
  if (s.type == "contains") return !t.empty() && a.find(t) != std::string::npos ? 1.0 : 0.0;
  if (s.type == "regex") {
    const std::regex re(s.pattern, s.ignore_case ? std::regex::icase : std::regex::ECMAScript);
    return std::regex_search(answer, re) ? 1.0 : 0.0;
  }
  if (s.type == "numeric") {
    double x = 0, y = 0;
    if (!ParseNumber(answer, &x) || !ParseNumber(target, &y)) return 0.0;
    return std::fabs(x - y) <= s.tolerance + 1e-12 * std::fabs(y) ? 1.0 : 0.0;
  }
  if (s.type == "code_output") return NormalizeOutput(a) == NormalizeOutput(t) ? 1.0 : 0.0;
  return TokenF1(answer, target);
}

}  // namespace rwkv::harness
