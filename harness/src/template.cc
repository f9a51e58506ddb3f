#include "rwkv/harness/template.h"

namespace rwkv::harness {

namespace {
std::string Trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}
}  // namespace

StatusOr<std::string> RenderTemplate(const std::string& tmpl,
                                     const std::map<std::string, std::string>& vars) {
  std::string out;
  size_t pos = 0;
  while (true) {
    const size_t open = tmpl.find("{{", pos);
    if (open == std::string::npos) break;
    const size_t close = tmpl.find("}}", open + 2);
    if (close == std::string::npos) {
      return Status::InvalidArgument("template has an unclosed '{{' at offset " +
                                     std::to_string(open));
    }
    out += tmpl.substr(pos, open - pos);
    const std::string name = Trim(tmpl.substr(open + 2, close - open - 2));
    auto it = vars.find(name);
    if (it == vars.end()) {
      std::string known;
      for (const auto& kv : vars) known += (known.empty() ? "" : ", ") + kv.first;
      return Status::InvalidArgument("template variable '{{" + name +
                                     "}}' is not a field of the item; fields: " + known);
    }
    out += it->second;
    pos = close + 2;
  }
  out += tmpl.substr(pos);
  return out;
}

std::vector<std::string> TemplateVariables(const std::string& tmpl) {
  std::vector<std::string> names;
  size_t pos = 0;
  while (true) {
    const size_t open = tmpl.find("{{", pos);
    if (open == std::string::npos) break;
    const size_t close = tmpl.find("}}", open + 2);
    if (close == std::string::npos) break;
    names.push_back(Trim(tmpl.substr(open + 2, close - open - 2)));
    pos = close + 2;
  }
  return names;
}

}  // namespace rwkv::harness
