#include "yaml_fields.h"

#include <algorithm>

namespace rwkv::harness {

std::string Where(const YamlRef& ref) {
  const YAML::Mark m = ref.node.Mark();
  if (m.line < 0) return ref.file;
  return ref.file + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
}

Status FieldError(const YamlRef& ref, const std::string& field, const std::string& message) {
  return Status::InvalidArgument(Where(ref) + ": field '" + field + "': " + message);
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + names[i];
  return out;
}

namespace {
size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t subst = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, subst});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}
}  // namespace

std::string ClosestName(const std::string& name, const std::vector<std::string>& known) {
  std::string best;
  size_t best_d = std::max<size_t>(2, name.size() / 3) + 1;
  for (const std::string& k : known) {
    const size_t d = EditDistance(name, k);
    if (d < best_d) {
      best_d = d;
      best = k;
    }
  }
  return best;
}

Status CheckKeys(const YamlRef& ref, const std::string& what,
                 const std::vector<std::string>& allowed) {
  if (!ref.node.IsMap()) {
    return Status::InvalidArgument(Where(ref) + ": " + what + " must be a map of fields (" +
                                   JoinNames(allowed) + ")");
  }
  for (const auto& kv : ref.node) {
    const std::string key = kv.first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    const std::string near = ClosestName(key, allowed);
    return Status::InvalidArgument(Where({kv.first, ref.file}) + ": unknown " + what + " field '" +
                                   key + "'" +
                                   (near.empty() ? "" : " (did you mean '" + near + "'?)") +
                                   "; allowed: " + JoinNames(allowed));
  }
  return Status::Ok();
}

StatusOr<std::string> ReadString(const YamlRef& ref, const std::string& field) {
  if (!ref.node.IsScalar()) return FieldError(ref, field, "expected a string");
  return ref.node.Scalar();
}

StatusOr<int> ReadInt(const YamlRef& ref, const std::string& field, int min, int max) {
  int v = 0;
  if (!ref.node.IsScalar() || !YAML::convert<int>::decode(ref.node, v)) {
    return FieldError(ref, field, "expected an integer");
  }
  if (v < min || v > max) {
    return FieldError(ref, field,
                      "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                          ", not " + std::to_string(v));
  }
  return v;
}

StatusOr<double> ReadDouble(const YamlRef& ref, const std::string& field) {
  double v = 0;
  if (!ref.node.IsScalar() || !YAML::convert<double>::decode(ref.node, v)) {
    return FieldError(ref, field, "expected a number");
  }
  return v;
}

StatusOr<bool> ReadBool(const YamlRef& ref, const std::string& field) {
  bool v = false;
  if (!ref.node.IsScalar() || !YAML::convert<bool>::decode(ref.node, v)) {
    return FieldError(ref, field, "expected true or false");
  }
  return v;
}

StatusOr<std::vector<std::string>> ReadStringList(const YamlRef& ref, const std::string& field) {
  std::vector<std::string> out;
  if (ref.node.IsScalar()) {
    out.push_back(ref.node.Scalar());
    return out;
  }
  if (!ref.node.IsSequence()) return FieldError(ref, field, "expected a list of strings");
  for (const YAML::Node& n : ref.node) {
    if (!n.IsScalar()) return FieldError({n, ref.file}, field, "expected a string");
    out.push_back(n.Scalar());
  }
  return out;
}

StatusOr<std::string> ReadEnum(const YamlRef& ref, const std::string& field,
                               const std::vector<std::string>& allowed) {
  ASSIGN_OR_RETURN(std::string v, ReadString(ref, field));
  if (std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
    const std::string near = ClosestName(v, allowed);
    return FieldError(ref, field,
                      "unknown value '" + v + "'" +
                          (near.empty() ? "" : " (did you mean '" + near + "'?)") +
                          "; allowed: " + JoinNames(allowed));
  }
  return v;
}

}  // namespace rwkv::harness
