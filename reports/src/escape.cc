#include "rwkv/reports/escape.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace rwkv::reports {

namespace {

// & < > " ' as entities (`apos` for the single quote); with `xml_controls`, control
// characters XML 1.0 forbids become U+FFFD.
std::string EscapeMarkup(const std::string& s, const char* apos, bool xml_controls) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (char c : s) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (xml_controls && u < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      out += "\xEF\xBF\xBD";
      continue;
    }
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += apos;
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

std::string HtmlEscape(const std::string& s) { return EscapeMarkup(s, "&#39;", false); }

std::string XmlEscape(const std::string& s) { return EscapeMarkup(s, "&apos;", true); }

std::string CsvField(const std::string& s) {
  std::string body = s;
  if (!s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@')) {
    char* end = nullptr;
    std::strtod(s.c_str(), &end);
    const bool number = end && *end == '\0';
    if (!number) body = "'" + s;
  }
  if (body.find_first_of(",\"\r\n") == std::string::npos) return body;
  std::string out = "\"";
  for (char c : body) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string ScriptSafeJson(const std::string& json_text) {
  std::string out;
  out.reserve(json_text.size() + json_text.size() / 16);
  for (char c : json_text) {
    switch (c) {
      case '<':
        out += "\\u003c";
        break;
      case '>':
        out += "\\u003e";
        break;
      case '&':
        out += "\\u0026";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string FormatNumber(double v, int digits) {
  if (std::isnan(v)) return "";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

}  // namespace rwkv::reports
