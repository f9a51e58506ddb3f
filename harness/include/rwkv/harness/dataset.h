// Reading dataset files (JSONL, CSV) into rows of named values, with line numbers for errors.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "rwkv/status.h"

namespace rwkv::harness {

struct DatasetRow {
  int line = 0;                                           // 1-based line of the row in its file
  std::map<std::string, std::string> values;              // scalars as text
  std::map<std::string, std::vector<std::string>> lists;  // JSON arrays of scalars
};

// JSONL: one JSON object per line; blank lines are skipped. Numbers and booleans become text.
// Errors: the file cannot be read; "FILE:LINE: ..." for a line that is not a JSON object or
// holds a nested object.
StatusOr<std::vector<DatasetRow>> ReadJsonl(const std::string& path);

// CSV (RFC 4180): a header row, then records; quoted fields may hold commas, quotes ("") and
// newlines. Errors name FILE:LINE for an unterminated quote or a record with the wrong number
// of fields.
StatusOr<std::vector<DatasetRow>> ReadCsv(const std::string& path);

}  // namespace rwkv::harness
