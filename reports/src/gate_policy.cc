#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "rwkv/reports/gate.h"

namespace rwkv::reports {

namespace {

Status Bad(const std::string& path, const YAML::Node& node, const std::string& message) {
  return Status::InvalidArgument(path + ":" + std::to_string(node.Mark().line + 1) + ": " +
                                 message);
}

StatusOr<double> Number(const std::string& path, const YAML::Node& node, const std::string& field) {
  if (!node.IsScalar()) return Bad(path, node, "field '" + field + "' must be a number");
  try {
    return node.as<double>();
  } catch (const YAML::Exception&) {
    return Bad(path, node, "field '" + field + "' must be a number, not '" + node.Scalar() + "'");
  }
}

StatusOr<GateRule> ParseRule(const std::string& path, const YAML::Node& node) {
  GateRule rule;
  rule.line = node.Mark().line + 1;
  if (!node.IsMap()) return Bad(path, node, "each entry of 'metrics' must be a mapping");
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    const YAML::Node& v = kv.second;
    if (key == "metric") {
      if (!v.IsScalar() || v.Scalar().empty()) {
        return Bad(path, v, "field 'metric' must be a suite/task/metric pattern");
      }
      rule.metric = v.Scalar();
      if (std::count(rule.metric.begin(), rule.metric.end(), '/') < 2) {
        return Bad(
            path, v,
            "field 'metric' must have the form suite/task/metric, not '" + rule.metric + "'");
      }
    } else if (key == "max_drop" || key == "max_relative_drop" || key == "min" || key == "max") {
      ASSIGN_OR_RETURN(const double x, Number(path, v, key));
      if ((key == "max_drop" || key == "max_relative_drop") && x < 0) {
        return Bad(path, v, "field '" + key + "' must be >= 0");
      }
      if (key == "max_drop") rule.max_drop = x;
      if (key == "max_relative_drop") rule.max_relative_drop = x;
      if (key == "min") rule.min = x;
      if (key == "max") rule.max = x;
    } else if (key == "require_significant") {
      try {
        if (!v.IsScalar()) throw YAML::Exception(v.Mark(), "");
        rule.require_significant = v.as<bool>();
      } catch (const YAML::Exception&) {
        return Bad(path, v, "field 'require_significant' must be true or false");
      }
    } else {
      return Bad(path, kv.first,
                 "unknown field '" + key +
                     "' (expected metric, max_drop, max_relative_drop, min, max, "
                     "require_significant)");
    }
  }
  if (rule.metric.empty()) return Bad(path, node, "rule without field 'metric'");
  if (!rule.max_drop && !rule.max_relative_drop && !rule.min && !rule.max &&
      !rule.require_significant) {
    return Bad(path, node,
               "rule for '" + rule.metric +
                   "' checks nothing: give max_drop, max_relative_drop, min, max or "
                   "require_significant");
  }
  return rule;
}

}  // namespace

StatusOr<GatePolicy> ParseGatePolicy(const std::string& yaml_text, const std::string& path) {
  GatePolicy policy;
  policy.path = path;
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(path + ":" + std::to_string(e.mark.line + 1) +
                                   ": not valid YAML: " + e.msg);
  }
  if (!root.IsMap()) {
    return Status::InvalidArgument(path + ":1: the policy must be a mapping with 'metrics'");
  }
  for (const auto& kv : root) {
    const std::string key = kv.first.as<std::string>();
    if (key == "alpha") {
      ASSIGN_OR_RETURN(policy.alpha, Number(path, kv.second, key));
      if (!(policy.alpha > 0 && policy.alpha < 1)) {
        return Bad(path, kv.second, "field 'alpha' must be between 0 and 1");
      }
    } else if (key == "metrics") {
      if (!kv.second.IsSequence() || kv.second.size() == 0) {
        return Bad(path, kv.second, "field 'metrics' must be a non-empty list of rules");
      }
      for (const YAML::Node& r : kv.second) {
        ASSIGN_OR_RETURN(GateRule rule, ParseRule(path, r));
        policy.rules.push_back(std::move(rule));
      }
    } else {
      return Bad(path, kv.first, "unknown field '" + key + "' (expected alpha, metrics)");
    }
  }
  if (policy.rules.empty()) {
    return Status::InvalidArgument(path + ":1: field 'metrics' is missing");
  }
  return policy;
}

StatusOr<GatePolicy> ReadGatePolicy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot open policy");
  std::ostringstream text;
  text << in.rdbuf();
  return ParseGatePolicy(text.str(), path);
}

}  // namespace rwkv::reports
