// Parses one Python string or bytes literal as written by Python's repr(): the token
// spellings of the RWKV World vocabulary file.
#pragma once

#include <string>
#include <string_view>

#include "rwkv/status.h"

namespace rwkv {

// Returns the bytes the literal denotes: a bytes literal (b'..', b"..") gives its bytes, a str
// literal ('..', "..") gives its text encoded as UTF-8. Understands the escapes \\ \' \" \a \b
// \f \n \r \t \v, \ooo (octal), \xhh, and in str literals \uhhhh and \Uhhhhhhhh; an unknown
// escape keeps its backslash, as Python does. Errors (InvalidArgument, with a message that does
// not name the file): missing quotes, text after the closing quote, a truncated or out-of-range
// escape, a surrogate code point (not encodable as UTF-8), a non-ASCII character in bytes.
StatusOr<std::string> ParsePythonLiteral(std::string_view literal);

// Returns the bytes of `body`, the inside of a bytes literal without its b'' (as llama.cpp's
// GGUF converter stores World tokens: repr(token)[2:-1]). Quotes need no escaping here.
// Errors as ParsePythonLiteral's.
StatusOr<std::string> ParsePythonBytesBody(std::string_view body);

}  // namespace rwkv
