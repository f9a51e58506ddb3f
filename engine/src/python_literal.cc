#include "python_literal.h"

#include "utf8.h"

namespace rwkv {

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads exactly `digits` hex digits at body[*i]; advances *i. -1 if malformed.
int64_t ReadHex(std::string_view body, size_t* i, int digits) {
  if (*i + digits > body.size()) return -1;
  int64_t v = 0;
  for (int k = 0; k < digits; ++k) {
    const int h = HexValue(body[*i + k]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  *i += digits;
  return v;
}

// Appends code point (str) or byte (bytes) `v`.
Status AppendValue(int64_t v, bool is_bytes, std::string* out) {
  if (is_bytes) {
    out->push_back(static_cast<char>(v));
    return Status::Ok();
  }
  if (v > 0x10ffff) return Status::InvalidArgument("escape beyond U+10FFFF");
  if (v >= 0xd800 && v < 0xe000) {
    return Status::InvalidArgument("surrogate code point cannot be encoded as UTF-8");
  }
  utf8::Append(static_cast<uint32_t>(v), out);
  return Status::Ok();
}

// Decodes the escapes of a literal's body. `quote` is the delimiter, which must not appear
// unescaped, or 0 when the body stands alone.
StatusOr<std::string> Unescape(std::string_view body, bool is_bytes, char quote) {
  std::string out;
  out.reserve(body.size());
  size_t i = 0;
  while (i < body.size()) {
    const char c = body[i];
    if (quote != 0 && c == quote)
      return Status::InvalidArgument("unescaped quote inside the literal");
    if (c != '\\') {
      if (is_bytes && static_cast<unsigned char>(c) >= 0x80) {
        return Status::InvalidArgument("non-ASCII character in a bytes literal");
      }
      out.push_back(c);
      ++i;
      continue;
    }
    if (i + 1 >= body.size()) return Status::InvalidArgument("literal ends with a backslash");
    const char e = body[i + 1];
    i += 2;
    switch (e) {
      case '\\':
        out.push_back('\\');
        break;
      case '\'':
        out.push_back('\'');
        break;
      case '"':
        out.push_back('"');
        break;
      case 'a':
        out.push_back('\a');
        break;
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'v':
        out.push_back('\v');
        break;
      case 'x': {
        const int64_t v = ReadHex(body, &i, 2);
        if (v < 0) return Status::InvalidArgument("truncated \\x escape");
        RETURN_IF_ERROR(AppendValue(v, is_bytes, &out));
        break;
      }
      case 'u':
      case 'U': {
        if (is_bytes) {  // not an escape in bytes literals: kept as written
          out.push_back('\\');
          out.push_back(e);
          break;
        }
        const int64_t v = ReadHex(body, &i, e == 'u' ? 4 : 8);
        if (v < 0) return Status::InvalidArgument(std::string("truncated \\") + e + " escape");
        RETURN_IF_ERROR(AppendValue(v, is_bytes, &out));
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          int64_t v = e - '0';
          for (int k = 0; k < 2 && i < body.size() && body[i] >= '0' && body[i] <= '7'; ++k) {
            v = v * 8 + (body[i++] - '0');
          }
          if (is_bytes && v > 0xff) return Status::InvalidArgument("octal escape above \\377");
          RETURN_IF_ERROR(AppendValue(v, is_bytes, &out));
        } else {  // unknown escape: Python keeps the backslash
          out.push_back('\\');
          --i;
        }
    }
  }
  return out;
}

}  // namespace

StatusOr<std::string> ParsePythonLiteral(std::string_view literal) {
  bool is_bytes = false;
  size_t start = 0;
  if (!literal.empty() && (literal[0] == 'b' || literal[0] == 'B')) {
    is_bytes = true;
    start = 1;
  }
  if (literal.size() < start + 2) return Status::InvalidArgument("not a quoted literal");
  const char quote = literal[start];
  if (quote != '\'' && quote != '"') {
    return Status::InvalidArgument("expected a quote at the start of the literal");
  }
  if (literal.back() != quote) {
    return Status::InvalidArgument("literal does not end with its opening quote");
  }
  const std::string_view body = literal.substr(start + 1, literal.size() - start - 2);
  return Unescape(body, is_bytes, quote);
}

StatusOr<std::string> ParsePythonBytesBody(std::string_view body) {
  return Unescape(body, /*is_bytes=*/true, /*quote=*/0);
}

}  // namespace rwkv
