#include "rwkv/harness/dataset.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace rwkv::harness {

namespace {

StatusOr<std::string> ScalarText(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number() || v.is_boolean()) return v.dump();
  if (v.is_null()) return std::string();
  return Status::InvalidArgument("nested value");
}

StatusOr<std::string> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot open dataset file");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

StatusOr<std::vector<DatasetRow>> ReadJsonl(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot open dataset file");
  std::vector<DatasetRow> rows;
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(line_no);
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      return Status::InvalidArgument(where + ": not valid JSON: " + e.what());
    }
    if (!j.is_object()) return Status::InvalidArgument(where + ": expected a JSON object");
    DatasetRow row;
    row.line = line_no;
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it->is_array()) {
        std::vector<std::string>& list = row.lists[it.key()];
        for (const auto& e : *it) {
          auto t = ScalarText(e);
          if (!t.ok()) {
            return Status::InvalidArgument(where + ": field '" + it.key() +
                                           "' holds a nested value; only scalars are allowed");
          }
          list.push_back(*t);
        }
        continue;
      }
      auto t = ScalarText(*it);
      if (!t.ok()) {
        return Status::InvalidArgument(
            where + ": field '" + it.key() +
            "' holds a nested object; only scalars and lists are allowed");
      }
      row.values[it.key()] = *t;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

StatusOr<std::vector<DatasetRow>> ReadCsv(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadAll(path));
  // Splits into records of fields, tracking the line each record starts on.
  std::vector<std::pair<int, std::vector<std::string>>> records;
  std::vector<std::string> fields;
  std::string field;
  bool quoted = false, any = false;
  int line = 1, record_line = 1, quote_line = 0;
  auto end_record = [&]() {
    if (any || !field.empty() || !fields.empty()) {
      fields.push_back(field);
      records.emplace_back(record_line, fields);
    }
    fields.clear();
    field.clear();
    any = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == '"' && field.empty()) {
      quoted = true;
      quote_line = line;
      any = true;
    } else if (c == ',') {
      fields.push_back(field);
      field.clear();
      any = true;
    } else if (c == '\n') {
      end_record();
      ++line;
      record_line = line;
    } else if (c != '\r') {
      field += c;
      any = true;
    }
  }
  if (quoted) {
    return Status::InvalidArgument(path + ":" + std::to_string(quote_line) +
                                   ": unterminated quoted field");
  }
  end_record();
  if (records.empty()) return Status::InvalidArgument(path + ": empty CSV file (no header row)");
  const std::vector<std::string> header = records[0].second;
  std::vector<DatasetRow> rows;
  for (size_t r = 1; r < records.size(); ++r) {
    const auto& [rec_line, values] = records[r];
    if (values.size() != header.size()) {
      return Status::InvalidArgument(path + ":" + std::to_string(rec_line) + ": " +
                                     std::to_string(values.size()) + " fields, the header has " +
                                     std::to_string(header.size()));
    }
    DatasetRow row;
    row.line = rec_line;
    for (size_t c = 0; c < header.size(); ++c) row.values[header[c]] = values[c];
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace rwkv::harness
