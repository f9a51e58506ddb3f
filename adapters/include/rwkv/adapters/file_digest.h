// SHA-256 of files, for recording exactly which model a result came from.
#pragma once

#include <string>

#include "rwkv/status.h"

namespace rwkv::adapters {

// Lowercase hex SHA-256 of the file's bytes. Errors: the file cannot be read.
StatusOr<std::string> Sha256File(const std::string& path);

}  // namespace rwkv::adapters
