// Prompt templates: "{{name}}" (spaces inside the braces allowed) is replaced by a variable.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "rwkv/status.h"

namespace rwkv::harness {

// Replaces every {{name}} in `tmpl` by vars[name]. Errors: an unknown variable (the message
// lists the known ones) or an unclosed "{{".
StatusOr<std::string> RenderTemplate(const std::string& tmpl,
                                     const std::map<std::string, std::string>& vars);

// The variable names a template uses, in order of appearance (duplicates kept).
std::vector<std::string> TemplateVariables(const std::string& tmpl);

}  // namespace rwkv::harness
