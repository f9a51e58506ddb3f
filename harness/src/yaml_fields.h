// Helpers for reading suite YAML with precise errors: every message names file:line:column and
// the field, unknown keys are rejected with the closest known name, enumerations list their
// allowed values.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "rwkv/status.h"

namespace rwkv::harness {

// A YAML node together with the file it came from.
struct YamlRef {
  YAML::Node node;
  std::string file;
};

// "file:line:column" of a node (1-based).
std::string Where(const YamlRef& ref);

// InvalidArgument "file:line:col: field 'field': message".
Status FieldError(const YamlRef& ref, const std::string& field, const std::string& message);

// The known name closest to `name` by edit distance, or "" when none is close.
std::string ClosestName(const std::string& name, const std::vector<std::string>& known);

// Rejects keys of the map `ref` not in `allowed`, naming the closest allowed key.
// `what` describes the map ("task", "suite", "dataset", ...).
Status CheckKeys(const YamlRef& ref, const std::string& what,
                 const std::vector<std::string>& allowed);

// Typed reads of `ref` as field `field`. Errors name the expected type.
StatusOr<std::string> ReadString(const YamlRef& ref, const std::string& field);
StatusOr<int> ReadInt(const YamlRef& ref, const std::string& field, int min, int max);
StatusOr<double> ReadDouble(const YamlRef& ref, const std::string& field);
StatusOr<bool> ReadBool(const YamlRef& ref, const std::string& field);
StatusOr<std::vector<std::string>> ReadStringList(const YamlRef& ref, const std::string& field);
// A string that must be one of `allowed`.
StatusOr<std::string> ReadEnum(const YamlRef& ref, const std::string& field,
                               const std::vector<std::string>& allowed);

std::string JoinNames(const std::vector<std::string>& names);

}  // namespace rwkv::harness
