#include "rwkv/harness/extraction.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>
#include <regex>

namespace rwkv::harness {

namespace {

std::string Strip(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string RunRegex(const ExtractStep& step, const std::string& text) {
  const std::regex re(step.regex, std::regex::ECMAScript);
  std::string found;
  bool any = false;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator();
       ++it) {
    found = (*it)[static_cast<size_t>(step.group)].str();
    any = true;
    if (!step.last) break;
  }
  return any ? found : "";
}

std::string Boxed(const std::string& text) {
  const size_t at = text.rfind("\\boxed{");
  if (at == std::string::npos) return "";
  int depth = 1;
  const size_t start = at + 7;
  for (size_t i = start; i < text.size(); ++i) {
    if (text[i] == '{') ++depth;
    if (text[i] == '}' && --depth == 0) return Strip(text.substr(start, i - start));
  }
  return "";
}

bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// Numbers in order of appearance: digit runs (with sign, $, separators, decimals) and number
// words. Each result is the matched text.
std::vector<std::string> FindNumbers(const std::string& text) {
  static const std::regex kToken(R"((-?\$?\d[\d,]*(?:\.\d+)?)|([A-Za-z]+(?:-[A-Za-z]+)?))");
  std::vector<std::string> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kToken);
       it != std::sregex_iterator(); ++it) {
    const auto& m = *it;
    if (m[1].matched) {
      std::string s = m[1].str();
      const size_t pos = static_cast<size_t>(m.position(0));
      // "5-3": the minus is an operator, not a sign; "a1": part of a word.
      if (s[0] == '-' && pos > 0 && IsWordChar(text[pos - 1])) s = s.substr(1);
      if (pos > 0 && std::isalpha(static_cast<unsigned char>(text[pos - 1]))) continue;
      while (!s.empty() && s.back() == ',') s.pop_back();
      out.push_back(s);
    } else if (NumberWordValue(Lower(m[2].str())) >= 0) {
      out.push_back(m[2].str());
    }
  }
  return out;
}

}  // namespace

long long NumberWordValue(const std::string& word) {
  static const std::map<std::string, long long> kWords = {
      {"zero", 0},     {"one", 1},      {"two", 2},        {"three", 3},     {"four", 4},
      {"five", 5},     {"six", 6},      {"seven", 7},      {"eight", 8},     {"nine", 9},
      {"ten", 10},     {"eleven", 11},  {"twelve", 12},    {"thirteen", 13}, {"fourteen", 14},
      {"fifteen", 15}, {"sixteen", 16}, {"seventeen", 17}, {"eighteen", 18}, {"nineteen", 19},
      {"twenty", 20},  {"thirty", 30},  {"forty", 40},     {"fifty", 50},    {"sixty", 60},
      {"seventy", 70}, {"eighty", 80},  {"ninety", 90},    {"hundred", 100}, {"thousand", 1000},
      {"none", 0},     {"no", -1}};
  const std::string w = Lower(word);
  auto it = kWords.find(w);
  if (it != kWords.end()) return it->second;
  const size_t dash = w.find('-');
  if (dash != std::string::npos) {
    auto tens = kWords.find(w.substr(0, dash)), ones = kWords.find(w.substr(dash + 1));
    if (tens != kWords.end() && ones != kWords.end() && tens->second >= 20 && tens->second <= 90 &&
        tens->second % 10 == 0 && ones->second >= 1 && ones->second <= 9) {
      return tens->second + ones->second;
    }
  }
  return -1;
}

std::string NormalizeNumber(const std::string& text) {
  std::string s = Strip(text);
  while (!s.empty() && (s.back() == '.' || s.back() == '!' || s.back() == ',')) s.pop_back();
  const long long word = NumberWordValue(s);
  if (word >= 0) return std::to_string(word);
  std::string digits;
  bool neg = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '-' && digits.empty() && !neg) {
      neg = true;
    } else if (c == '$' && digits.empty()) {
    } else if (c == ',' && !digits.empty()) {
    } else if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      digits += c;
    } else {
      return s;  // not a single number
    }
  }
  if (digits.empty() || digits.front() == '.' || digits.find('.') != digits.rfind('.')) return s;
  const size_t dot = digits.find('.');
  if (dot != std::string::npos) {
    size_t end = digits.size();
    while (end > dot + 1 && digits[end - 1] == '0') --end;
    digits = digits.substr(0, end == dot + 1 ? dot : end);
  }
  const size_t nz = digits.find_first_not_of('0');
  if (nz == std::string::npos) return "0";
  if (digits[nz] == '.')
    digits = digits.substr(nz - 1);
  else
    digits = digits.substr(nz);
  return (neg ? "-" : "") + digits;
}

const std::vector<std::string>& ExtractStepNames() {
  static const std::vector<std::string> kNames = {"regex",   "first_line", "strip", "lowercase",
                                                  "numeric", "number",     "boxed"};
  return kNames;
}

Status ValidateStep(const ExtractStep& step) {
  bool known = false;
  for (const auto& n : ExtractStepNames()) known = known || n == step.op;
  if (!known) return Status::InvalidArgument("unknown extraction step '" + step.op + "'");
  if (step.op != "regex") return Status::Ok();
  try {
    const std::regex re(step.regex, std::regex::ECMAScript);
    if (step.group < 0 || static_cast<size_t>(step.group) > re.mark_count()) {
      return Status::InvalidArgument("regex '" + step.regex + "' has " +
                                     std::to_string(re.mark_count()) + " groups, not group " +
                                     std::to_string(step.group));
    }
  } catch (const std::regex_error& e) {
    return Status::InvalidArgument("invalid regex '" + step.regex + "': " + e.what());
  }
  return Status::Ok();
}

std::string Extract(const ExtractPipeline& pipeline, const std::string& text) {
  std::string s = text;
  for (const ExtractStep& step : pipeline.steps) {
    if (step.op == "regex") {
      s = RunRegex(step, s);
    } else if (step.op == "first_line") {
      const size_t b = s.find_first_not_of(" \t\r\n");
      s = b == std::string::npos ? "" : s.substr(b);
      s = s.substr(0, s.find('\n'));
    } else if (step.op == "strip") {
      s = Strip(s);
    } else if (step.op == "lowercase") {
      s = Lower(s);
    } else if (step.op == "numeric") {
      s = NormalizeNumber(s);
    } else if (step.op == "number") {
      const std::vector<std::string> nums = FindNumbers(s);
      s = nums.empty() ? "" : NormalizeNumber(step.last ? nums.back() : nums.front());
    } else if (step.op == "boxed") {
      s = Boxed(s);
    }
  }
  return s;
}

}  // namespace rwkv::harness
