#include "rwkv/harness/suite_loader.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <set>

#include "recall_task_loader.h"
#include "rwkv/adapters/file_digest.h"
#include "rwkv/harness/dataset.h"
#include "rwkv/harness/extraction.h"
#include "rwkv/harness/generators.h"
#include "rwkv/harness/prompt.h"
#include "rwkv/harness/scorers.h"
#include "rwkv/harness/task_metrics.h"
#include "yaml_fields.h"

namespace rwkv::harness {

namespace fs = std::filesystem;

const char* TaskKindName(TaskKind kind) {
  switch (kind) {
    case TaskKind::kGenerate:
      return "generate";
    case TaskKind::kChoice:
      return "choice";
    case TaskKind::kLoglikelihood:
      return "loglikelihood";
    case TaskKind::kPerplexity:
      return "perplexity";
    case TaskKind::kRecall:
      return "recall";
  }
  return "?";
}

const Task* Suite::FindTask(const std::string& name) const {
  for (const Task& t : tasks) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

const std::vector<std::string>& SuiteFieldNames() {
  static const std::vector<std::string> k = {"id",      "version",  "description", "tags",
                                             "include", "defaults", "tasks"};
  return k;
}

const std::vector<std::string>& TaskFieldNames() {
  static const std::vector<std::string> k = {
      "name",       "kind",    "tags",          "description", "template",
      "target",     "choices", "choices_field", "target_type", "few_shot",
      "delimiters", "chat",    "generation",    "extract",     "score",
      "pass",       "items",   "dataset",       "generator",   "recall"};
  return k;
}

std::string SuitesDir() {
  const char* env = std::getenv("RWKV_EVAL_SUITES");
  if (env && *env) return env;
  return std::string(RWKV_EVAL_SOURCE_DIR) + "/suites";
}

std::string ResolveSuitePath(const std::string& name) {
  auto ends = [&](const std::string& s) {
    return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
  };
  if (ends(".yaml") || ends(".yml")) return name;
  const std::string bundled = SuitesDir() + "/" + name + ".yaml";
  if (name.find('/') == std::string::npos) return bundled;
  // "recall/passkey": a bundled suite in a subfolder, unless a file of that name exists.
  std::error_code ec;
  if (!fs::exists(name, ec) && fs::is_regular_file(bundled, ec)) return bundled;
  return name;
}

namespace {

const std::vector<std::string> kBaseFields = {"include", "defaults", "description"};
const std::vector<std::string> kKinds = {"generate", "choice", "loglikelihood", "perplexity",
                                         "recall"};

struct Loader {
  LoadOptions options;
  Suite* suite = nullptr;
  std::vector<YamlRef> default_layers;  // nearest first
  std::set<std::string> visiting;

  Status AddFile(const std::string& path) {
    ASSIGN_OR_RETURN(std::string sha, adapters::Sha256File(path));
    suite->files.emplace_back(path, sha);
    return Status::Ok();
  }

  StatusOr<YAML::Node> Parse(const std::string& path) {
    try {
      return YAML::LoadFile(path);
    } catch (const YAML::BadFile&) {
      return Status::NotFound(path + ": cannot open suite file");
    } catch (const YAML::Exception& e) {
      return Status::InvalidArgument(path + ":" + std::to_string(e.mark.line + 1) + ":" +
                                     std::to_string(e.mark.column + 1) + ": YAML syntax: " + e.msg);
    }
  }

  Status LoadDefaults(const YamlRef& file_root) {
    if (YAML::Node d = file_root.node["defaults"]) {
      YamlRef ref{d, file_root.file};
      std::vector<std::string> allowed = TaskFieldNames();
      allowed.erase(allowed.begin());  // "name" is per task
      RETURN_IF_ERROR(CheckKeys(ref, "defaults", allowed));
      default_layers.push_back(ref);
    }
    if (YAML::Node inc = file_root.node["include"]) {
      YamlRef ref{inc, file_root.file};
      ASSIGN_OR_RETURN(std::string rel, ReadString(ref, "include"));
      const std::string path = (fs::path(file_root.file).parent_path() / rel).lexically_normal();
      if (visiting.count(path)) return FieldError(ref, "include", "includes itself: " + path);
      visiting.insert(path);
      auto node = Parse(path);
      if (!node.ok()) return FieldError(ref, "include", node.status().message());
      YamlRef base{*node, path};
      RETURN_IF_ERROR(CheckKeys(base, "included file", kBaseFields));
      RETURN_IF_ERROR(AddFile(path));
      RETURN_IF_ERROR(LoadDefaults(base));
    }
    return Status::Ok();
  }

  // The task's own value of `key`, else the nearest default.
  std::optional<YamlRef> Lookup(const YamlRef& task, const std::string& key) const {
    if (YAML::Node n = task.node[key]) return YamlRef{n, task.file};
    for (const YamlRef& layer : default_layers) {
      if (YAML::Node n = layer.node[key]) return YamlRef{n, layer.file};
    }
    return std::nullopt;
  }

  StatusOr<Item> ParseItem(const YamlRef& ref, size_t index) {
    if (!ref.node.IsMap()) {
      return Status::InvalidArgument(Where(ref) + ": an item must be a map of fields");
    }
    Item item;
    item.origin = Where(ref);
    item.id = "item-" + std::to_string(index + 1);
    for (const auto& kv : ref.node) {
      const std::string key = kv.first.Scalar();
      const YamlRef value{kv.second, ref.file};
      if (key == "weight") {
        ASSIGN_OR_RETURN(item.weight, ReadDouble(value, "weight"));
        if (item.weight < 0) return FieldError(value, "weight", "must be >= 0");
      } else if (key == "id") {
        ASSIGN_OR_RETURN(item.id, ReadString(value, "id"));
      } else if (kv.second.IsSequence()) {
        ASSIGN_OR_RETURN(item.lists[key], ReadStringList(value, key));
      } else {
        ASSIGN_OR_RETURN(item.fields[key], ReadString(value, key));
      }
    }
    return item;
  }

  StatusOr<std::vector<Item>> ParseItemList(const YamlRef& ref, const std::string& field) {
    if (!ref.node.IsSequence()) return FieldError(ref, field, "expected a list of items");
    std::vector<Item> items;
    for (size_t i = 0; i < ref.node.size(); ++i) {
      ASSIGN_OR_RETURN(Item item, ParseItem({ref.node[i], ref.file}, i));
      items.push_back(std::move(item));
    }
    return items;
  }

  // "column", or "column | filter | filter" with filters last_word, all_but_last_word, strip,
  // lower.
  static StatusOr<std::string> MapField(const YamlRef& ref, const std::string& spec,
                                        const DatasetRow& row, const std::string& file) {
    std::vector<std::string> parts;
    size_t pos = 0;
    while (true) {
      const size_t bar = spec.find('|', pos);
      std::string p = spec.substr(pos, bar == std::string::npos ? std::string::npos : bar - pos);
      const size_t b = p.find_first_not_of(' ');
      p = b == std::string::npos ? "" : p.substr(b, p.find_last_not_of(' ') - b + 1);
      parts.push_back(p);
      if (bar == std::string::npos) break;
      pos = bar + 1;
    }
    auto it = row.values.find(parts[0]);
    if (it == row.values.end()) {
      return Status::InvalidArgument(file + ":" + std::to_string(row.line) + ": no field '" +
                                     parts[0] + "' (mapped at " + Where(ref) + ")");
    }
    std::string v = it->second;
    for (size_t i = 1; i < parts.size(); ++i) {
      const std::string& f = parts[i];
      const size_t space = v.rfind(' ');
      if (f == "last_word") {
        v = space == std::string::npos ? v : v.substr(space + 1);
      } else if (f == "all_but_last_word") {
        v = space == std::string::npos ? "" : v.substr(0, space);
      } else if (f == "strip") {
        const size_t s = v.find_first_not_of(" \t\r\n");
        v = s == std::string::npos ? "" : v.substr(s, v.find_last_not_of(" \t\r\n") - s + 1);
      } else if (f == "lower") {
        for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      } else {
        return FieldError(
            ref, "fields",
            "unknown filter '" + f + "'; allowed: last_word, all_but_last_word, strip, lower");
      }
    }
    return v;
  }

  StatusOr<std::vector<Item>> ParseDataset(const YamlRef& ref, Task* task) {
    RETURN_IF_ERROR(CheckKeys(
        ref, "dataset", {"path", "format", "root", "fields", "id_field", "weight_field", "limit"}));
    if (!ref.node["path"]) return FieldError(ref, "dataset", "needs a 'path'");
    ASSIGN_OR_RETURN(std::string rel, ReadString({ref.node["path"], ref.file}, "path"));
    std::string root = "suite";
    if (ref.node["root"]) {
      ASSIGN_OR_RETURN(root, ReadEnum({ref.node["root"], ref.file}, "root", {"suite", "data_dir"}));
    }
    std::string path;
    if (root == "data_dir") {
      if (options.data_dir.empty()) {
        task->missing_data = "dataset '" + rel + "' is read from --data-dir, which was not given";
        return std::vector<Item>{};
      }
      path = (fs::path(options.data_dir) / rel).string();
    } else {
      path = (fs::path(ref.file).parent_path() / rel).lexically_normal().string();
    }
    std::string format =
        path.size() > 4 && path.substr(path.size() - 4) == ".csv" ? "csv" : "jsonl";
    if (ref.node["format"]) {
      ASSIGN_OR_RETURN(format,
                       ReadEnum({ref.node["format"], ref.file}, "format", {"jsonl", "csv"}));
    }
    auto rows = format == "csv" ? ReadCsv(path) : ReadJsonl(path);
    if (!rows.ok()) return Status(rows.status()).WithContext(Where(ref) + ": dataset");
    RETURN_IF_ERROR(AddFile(path));
    int limit = -1;
    if (ref.node["limit"]) {
      ASSIGN_OR_RETURN(limit, ReadInt({ref.node["limit"], ref.file}, "limit", 0, 1 << 30));
    }
    std::vector<std::pair<std::string, std::string>> mapping;
    YamlRef fields_ref{ref.node["fields"], ref.file};
    if (fields_ref.node) {
      if (!fields_ref.node.IsMap())
        return FieldError(fields_ref, "fields", "expected a map of item field: column");
      for (const auto& kv : fields_ref.node) {
        ASSIGN_OR_RETURN(std::string spec, ReadString({kv.second, ref.file}, kv.first.Scalar()));
        mapping.emplace_back(kv.first.Scalar(), spec);
      }
    }
    std::string id_field, weight_field;
    if (ref.node["id_field"]) {
      ASSIGN_OR_RETURN(id_field, ReadString({ref.node["id_field"], ref.file}, "id_field"));
    }
    if (ref.node["weight_field"]) {
      ASSIGN_OR_RETURN(weight_field,
                       ReadString({ref.node["weight_field"], ref.file}, "weight_field"));
    }
    std::vector<Item> items;
    for (size_t r = 0; r < rows->size(); ++r) {
      if (limit >= 0 && static_cast<int>(r) >= limit) break;
      const DatasetRow& row = (*rows)[r];
      const std::string where = path + ":" + std::to_string(row.line);
      Item item;
      item.origin = where;
      item.fields = row.values;
      item.lists = row.lists;
      item.id = std::to_string(r);
      for (const auto& [name, spec] : mapping) {
        ASSIGN_OR_RETURN(item.fields[name], MapField(fields_ref, spec, row, path));
      }
      if (!id_field.empty()) {
        auto it = row.values.find(id_field);
        if (it == row.values.end())
          return Status::InvalidArgument(where + ": no id field '" + id_field + "'");
        item.id = it->second;
      }
      if (!weight_field.empty()) {
        auto it = row.values.find(weight_field);
        char* end = nullptr;
        if (it == row.values.end())
          return Status::InvalidArgument(where + ": no weight field '" + weight_field + "'");
        item.weight = std::strtod(it->second.c_str(), &end);
        if (*end != '\0' || item.weight < 0) {
          return Status::InvalidArgument(where + ": weight '" + it->second +
                                         "' is not a number >= 0");
        }
      }
      items.push_back(std::move(item));
    }
    return items;
  }

  StatusOr<std::vector<Item>> ParseGenerator(const YamlRef& ref, Task* task) {
    std::vector<Item> all;
    std::vector<YAML::Node> specs;
    if (ref.node.IsSequence()) {
      for (const YAML::Node& n : ref.node) specs.push_back(n);
    } else {
      specs.push_back(ref.node);
    }
    std::vector<std::string> gen_names;
    for (const auto& g : Generators()) gen_names.push_back(g.name);
    for (size_t s = 0; s < specs.size(); ++s) {
      const YamlRef g{specs[s], ref.file};
      RETURN_IF_ERROR(CheckKeys(g, "generator", {"name", "seed", "count", "params", "id_prefix"}));
      if (!g.node["name"])
        return FieldError(g, "generator", "needs a 'name' (" + JoinNames(gen_names) + ")");
      ASSIGN_OR_RETURN(std::string name, ReadEnum({g.node["name"], ref.file}, "name", gen_names));
      int seed = 0, count = 10;
      if (g.node["seed"]) {
        ASSIGN_OR_RETURN(seed, ReadInt({g.node["seed"], ref.file}, "seed", 0, 2147483647));
      }
      if (g.node["count"]) {
        ASSIGN_OR_RETURN(count, ReadInt({g.node["count"], ref.file}, "count", 1, 1000000));
      }
      std::string prefix = name + (specs.size() > 1 ? "-" + std::to_string(s + 1) : "") + "-";
      if (g.node["id_prefix"]) {
        ASSIGN_OR_RETURN(prefix, ReadString({g.node["id_prefix"], ref.file}, "id_prefix"));
      }
      std::map<std::string, std::string> params;
      if (YAML::Node p = g.node["params"]) {
        const YamlRef pref{p, ref.file};
        std::vector<std::string> allowed;
        for (const auto& gp : FindGenerator(name)->params) allowed.push_back(gp.name);
        RETURN_IF_ERROR(CheckKeys(pref, "generator '" + name + "' params", allowed));
        for (const auto& kv : p) {
          ASSIGN_OR_RETURN(params[kv.first.Scalar()],
                           ReadString({kv.second, ref.file}, kv.first.Scalar()));
        }
      }
      task->generators.push_back({name, static_cast<uint64_t>(seed), count, params});
      auto items = RunGenerator(name, static_cast<uint64_t>(seed), count, params, prefix);
      if (!items.ok()) return FieldError(g, "generator", items.status().message());
      for (Item& it : *items) all.push_back(std::move(it));
    }
    return all;
  }

  Status ParseExtract(const YamlRef& ref, Task* task) {
    if (!ref.node.IsSequence()) return FieldError(ref, "extract", "expected a list of pipelines");
    std::vector<std::string> step_names = {"strip",        "first_line",  "lowercase", "numeric",
                                           "first_number", "last_number", "boxed",     "regex"};
    for (const YAML::Node& pn : ref.node) {
      const YamlRef p{pn, ref.file};
      RETURN_IF_ERROR(CheckKeys(p, "extract pipeline", {"name", "steps"}));
      ExtractPipeline pipeline;
      if (!pn["name"]) return FieldError(p, "extract", "a pipeline needs a 'name'");
      ASSIGN_OR_RETURN(pipeline.name, ReadString({pn["name"], ref.file}, "name"));
      for (const auto& other : task->extract) {
        if (other.name == pipeline.name)
          return FieldError(p, "extract", "pipeline '" + pipeline.name + "' is defined twice");
      }
      const YamlRef steps{pn["steps"], ref.file};
      if (!steps.node || !steps.node.IsSequence())
        return FieldError(p, "steps", "expected a list of steps (" + JoinNames(step_names) + ")");
      for (const YAML::Node& sn : steps.node) {
        const YamlRef s{sn, ref.file};
        ExtractStep step;
        if (sn.IsScalar()) {
          ASSIGN_OR_RETURN(step.op, ReadEnum(s, "steps", step_names));
          if (step.op == "regex")
            return FieldError(
                s, "steps",
                "regex needs the map form {regex: PATTERN, group: N, match: first|last}");
          if (step.op == "first_number" || step.op == "last_number") {
            step.last = step.op == "last_number";
            step.op = "number";
          }
        } else {
          RETURN_IF_ERROR(CheckKeys(s, "regex step", {"regex", "group", "match"}));
          if (!sn["regex"]) return FieldError(s, "steps", "a map step needs 'regex'");
          step.op = "regex";
          ASSIGN_OR_RETURN(step.regex, ReadString({sn["regex"], ref.file}, "regex"));
          if (sn["group"]) {
            ASSIGN_OR_RETURN(step.group, ReadInt({sn["group"], ref.file}, "group", 0, 99));
          }
          if (sn["match"]) {
            ASSIGN_OR_RETURN(std::string m,
                             ReadEnum({sn["match"], ref.file}, "match", {"first", "last"}));
            step.last = m == "last";
          }
        }
        Status st = ValidateStep(step);
        if (!st.ok()) return FieldError(s, "steps", st.message());
        pipeline.steps.push_back(step);
      }
      task->extract.push_back(std::move(pipeline));
    }
    return Status::Ok();
  }

  Status ParseScore(const YamlRef& ref, Task* task) {
    std::vector<YAML::Node> list;
    if (ref.node.IsSequence()) {
      for (const YAML::Node& n : ref.node) list.push_back(n);
    } else {
      list.push_back(ref.node);
    }
    for (const YAML::Node& n : list) {
      const YamlRef s{n, ref.file};
      Scorer scorer;
      if (n.IsScalar()) {
        ASSIGN_OR_RETURN(scorer.type, ReadEnum(s, "score", ScorerNames()));
      } else {
        RETURN_IF_ERROR(CheckKeys(s, "scorer", {"type", "tolerance", "pattern", "ignore_case"}));
        if (!n["type"])
          return FieldError(s, "score", "needs a 'type' (" + JoinNames(ScorerNames()) + ")");
        ASSIGN_OR_RETURN(scorer.type, ReadEnum({n["type"], ref.file}, "type", ScorerNames()));
        if (n["tolerance"]) {
          ASSIGN_OR_RETURN(scorer.tolerance, ReadDouble({n["tolerance"], ref.file}, "tolerance"));
        }
        if (n["pattern"]) {
          ASSIGN_OR_RETURN(scorer.pattern, ReadString({n["pattern"], ref.file}, "pattern"));
        }
        if (n["ignore_case"]) {
          ASSIGN_OR_RETURN(scorer.ignore_case,
                           ReadBool({n["ignore_case"], ref.file}, "ignore_case"));
        }
      }
      Status st = ValidateScorer(scorer);
      if (!st.ok()) return FieldError(s, "score", st.message());
      task->scorers.push_back(scorer);
    }
    return Status::Ok();
  }

  Status ParseGeneration(const YamlRef& ref, Task* task) {
    RETURN_IF_ERROR(CheckKeys(ref, "generation",
                              {"max_tokens", "stop", "temperature", "top_k", "top_p", "seed"}));
    auto& g = task->generation;
    const YAML::Node& n = ref.node;
    if (n["max_tokens"]) {
      ASSIGN_OR_RETURN(g.max_tokens,
                       ReadInt({n["max_tokens"], ref.file}, "max_tokens", 1, 1000000));
    }
    if (n["stop"]) {
      ASSIGN_OR_RETURN(g.stop, ReadStringList({n["stop"], ref.file}, "stop"));
    }
    if (n["temperature"]) {
      ASSIGN_OR_RETURN(double t, ReadDouble({n["temperature"], ref.file}, "temperature"));
      if (t < 0) return FieldError({n["temperature"], ref.file}, "temperature", "must be >= 0");
      g.sampling.temperature = static_cast<float>(t);
    }
    if (n["top_k"]) {
      ASSIGN_OR_RETURN(g.sampling.top_k, ReadInt({n["top_k"], ref.file}, "top_k", 0, 1 << 30));
    }
    if (n["top_p"]) {
      ASSIGN_OR_RETURN(double p, ReadDouble({n["top_p"], ref.file}, "top_p"));
      if (p <= 0 || p > 1) return FieldError({n["top_p"], ref.file}, "top_p", "must be in (0, 1]");
      g.sampling.top_p = static_cast<float>(p);
    }
    if (n["seed"]) {
      ASSIGN_OR_RETURN(int s, ReadInt({n["seed"], ref.file}, "seed", 0, 2147483647));
      g.sampling.seed = static_cast<uint64_t>(s);
    }
    return Status::Ok();
  }

  Status ParseChat(const YamlRef& ref, Task* task) {
    if (ref.node.IsScalar()) {
      ASSIGN_OR_RETURN(task->chat.enabled, ReadBool(ref, "chat"));
      return Status::Ok();
    }
    RETURN_IF_ERROR(CheckKeys(ref, "chat", {"enabled", "system", "user", "assistant"}));
    ChatOptions& c = task->chat;
    c.enabled = true;
    if (ref.node["enabled"]) {
      ASSIGN_OR_RETURN(c.enabled, ReadBool({ref.node["enabled"], ref.file}, "enabled"));
    }
    if (ref.node["system"]) {
      ASSIGN_OR_RETURN(c.system_template, ReadString({ref.node["system"], ref.file}, "system"));
    }
    if (ref.node["user"]) {
      ASSIGN_OR_RETURN(c.user_template, ReadString({ref.node["user"], ref.file}, "user"));
    }
    if (ref.node["assistant"]) {
      ASSIGN_OR_RETURN(c.assistant_template,
                       ReadString({ref.node["assistant"], ref.file}, "assistant"));
    }
    const bool any =
        !c.system_template.empty() || !c.user_template.empty() || !c.assistant_template.empty();
    if (any) {
      if (c.system_template.empty()) c.system_template = "{{content}}\n\n";
      if (c.user_template.empty()) c.user_template = "User: {{content}}\n\n";
      if (c.assistant_template.empty()) c.assistant_template = "Assistant: {{content}}\n\n";
    }
    return Status::Ok();
  }

  // A recall task: tags, description, pass and its `recall:` block (recall_task_loader.h).
  StatusOr<Task> ParseRecallTask(const YamlRef& ref, Task task) {
    const std::vector<std::string>& allowed = RecallTaskFieldNames();
    for (const auto& kv : ref.node) {
      const std::string key = kv.first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        return FieldError({kv.first, ref.file}, key,
                          "does not apply to a recall task (allowed: " + JoinNames(allowed) + ")");
      }
    }
    if (auto r = Lookup(ref, "tags")) {
      ASSIGN_OR_RETURN(task.tags, ReadStringList(*r, "tags"));
    }
    if (auto r = Lookup(ref, "description")) {
      ASSIGN_OR_RETURN(task.description, ReadString(*r, "description"));
    }
    auto block = Lookup(ref, "recall");
    if (!block) return FieldError(ref, "recall", "a recall task needs a 'recall:' block");
    auto add_once = [this](const std::string& path) {
      for (const auto& f : suite->files) {
        if (f.first == path) return Status::Ok();
      }
      return AddFile(path);
    };
    RETURN_IF_ERROR(ParseRecallBlock(*block, options.data_dir, add_once, &task));
    if (auto r = Lookup(ref, "pass")) {
      RETURN_IF_ERROR(CheckKeys(*r, "pass", {"metric", "min"}));
      if (!r->node["metric"] || !r->node["min"])
        return FieldError(*r, "pass", "needs 'metric' and 'min'");
      PassThreshold p;
      ASSIGN_OR_RETURN(p.metric, ReadString({r->node["metric"], r->file}, "metric"));
      ASSIGN_OR_RETURN(p.min, ReadDouble({r->node["min"], r->file}, "min"));
      std::vector<std::string> names;
      for (const MetricDef& m : TaskMetrics(task)) names.push_back(m.name);
      if (std::find(names.begin(), names.end(), p.metric) == names.end()) {
        return FieldError(
            {r->node["metric"], r->file}, "metric",
            "unknown metric '" + p.metric + "'; this task reports: " + JoinNames(names));
      }
      task.pass = p;
    }
    return task;
  }

  StatusOr<Task> ParseTask(const YamlRef& ref) {
    RETURN_IF_ERROR(CheckKeys(ref, "task", TaskFieldNames()));
    Task task;
    task.origin = Where(ref);
    if (!ref.node["name"]) return FieldError(ref, "name", "every task needs a name");
    ASSIGN_OR_RETURN(task.name, ReadString({ref.node["name"], ref.file}, "name"));
    if (task.name.empty() || task.name.find('/') != std::string::npos) {
      return FieldError({ref.node["name"], ref.file}, "name",
                        "must be non-empty and contain no '/'");
    }
    if (auto r = Lookup(ref, "kind")) {
      ASSIGN_OR_RETURN(std::string k, ReadEnum(*r, "kind", kKinds));
      task.kind = k == "generate"        ? TaskKind::kGenerate
                  : k == "choice"        ? TaskKind::kChoice
                  : k == "loglikelihood" ? TaskKind::kLoglikelihood
                  : k == "recall"        ? TaskKind::kRecall
                                         : TaskKind::kPerplexity;
    }
    if (task.kind == TaskKind::kRecall) return ParseRecallTask(ref, std::move(task));
    if (auto r = Lookup(ref, "tags")) {
      ASSIGN_OR_RETURN(task.tags, ReadStringList(*r, "tags"));
    }
    if (auto r = Lookup(ref, "description")) {
      ASSIGN_OR_RETURN(task.description, ReadString(*r, "description"));
    }
    task.prompt_template = task.kind == TaskKind::kPerplexity ? "{{text}}" : "";
    if (auto r = Lookup(ref, "template")) {
      ASSIGN_OR_RETURN(task.prompt_template, ReadString(*r, "template"));
    }
    if (task.prompt_template.empty())
      return FieldError(ref, "template", "the task needs a prompt template");
    if (auto r = Lookup(ref, "target")) {
      ASSIGN_OR_RETURN(task.target_template, ReadString(*r, "target"));
    }
    if (task.kind != TaskKind::kPerplexity && task.target_template.empty()) {
      return FieldError(
          ref, "target",
          "a " + std::string(TaskKindName(task.kind)) + " task needs a target template");
    }
    if (auto r = Lookup(ref, "choices")) {
      ASSIGN_OR_RETURN(task.choice_templates, ReadStringList(*r, "choices"));
    }
    if (auto r = Lookup(ref, "choices_field")) {
      ASSIGN_OR_RETURN(task.choices_field, ReadString(*r, "choices_field"));
    }
    if (auto r = Lookup(ref, "target_type")) {
      ASSIGN_OR_RETURN(std::string t, ReadEnum(*r, "target_type", {"index", "text"}));
      task.target_is_index = t == "index";
    }
    if (task.kind == TaskKind::kChoice &&
        task.choice_templates.empty() == task.choices_field.empty()) {
      return FieldError(ref, "choices",
                        "a choice task needs exactly one of 'choices' and 'choices_field'");
    }
    if (auto r = Lookup(ref, "few_shot")) {
      RETURN_IF_ERROR(CheckKeys(*r, "few_shot", {"count", "mode", "examples"}));
      const YAML::Node& n = r->node;
      if (n["count"]) {
        ASSIGN_OR_RETURN(task.few_shot.count, ReadInt({n["count"], r->file}, "count", 0, 1000));
      }
      if (n["mode"]) {
        ASSIGN_OR_RETURN(std::string m,
                         ReadEnum({n["mode"], r->file}, "mode", {"first", "random"}));
        task.few_shot.random = m == "random";
      }
      if (n["examples"]) {
        ASSIGN_OR_RETURN(task.few_shot.pool, ParseItemList({n["examples"], r->file}, "examples"));
      }
    }
    if (auto r = Lookup(ref, "delimiters")) {
      RETURN_IF_ERROR(
          CheckKeys(*r, "delimiters", {"after_description", "between_examples", "before_target"}));
      Delimiters& d = task.delimiters;
      const YAML::Node& n = r->node;
      if (n["after_description"]) {
        ASSIGN_OR_RETURN(d.after_description,
                         ReadString({n["after_description"], r->file}, "after_description"));
      }
      if (n["between_examples"]) {
        ASSIGN_OR_RETURN(d.between_examples,
                         ReadString({n["between_examples"], r->file}, "between_examples"));
      }
      if (n["before_target"]) {
        ASSIGN_OR_RETURN(d.before_target,
                         ReadString({n["before_target"], r->file}, "before_target"));
      }
    }
    if (auto r = Lookup(ref, "chat")) RETURN_IF_ERROR(ParseChat(*r, &task));
    if (auto r = Lookup(ref, "generation")) RETURN_IF_ERROR(ParseGeneration(*r, &task));
    if (auto r = Lookup(ref, "extract")) RETURN_IF_ERROR(ParseExtract(*r, &task));
    if (auto r = Lookup(ref, "score")) RETURN_IF_ERROR(ParseScore(*r, &task));
    if (task.kind == TaskKind::kGenerate) {
      if (task.extract.empty()) task.extract.push_back({"default", {{"strip", "", 0, false}}});
      if (task.scorers.empty()) task.scorers.push_back({"exact", 0, "", false});
    }
    if (auto r = Lookup(ref, "pass")) {
      RETURN_IF_ERROR(CheckKeys(*r, "pass", {"metric", "min"}));
      PassThreshold p;
      if (!r->node["metric"] || !r->node["min"])
        return FieldError(*r, "pass", "needs 'metric' and 'min'");
      ASSIGN_OR_RETURN(p.metric, ReadString({r->node["metric"], r->file}, "metric"));
      ASSIGN_OR_RETURN(p.min, ReadDouble({r->node["min"], r->file}, "min"));
      task.pass = p;
    }
    bool any_source = false;
    if (auto r = Lookup(ref, "items")) {
      any_source = true;
      ASSIGN_OR_RETURN(task.items, ParseItemList(*r, "items"));
    }
    if (auto r = Lookup(ref, "dataset")) {
      any_source = true;
      ASSIGN_OR_RETURN(std::vector<Item> more, ParseDataset(*r, &task));
      for (Item& i : more) task.items.push_back(std::move(i));
    }
    if (auto r = Lookup(ref, "generator")) {
      any_source = true;
      ASSIGN_OR_RETURN(std::vector<Item> more, ParseGenerator(*r, &task));
      for (Item& i : more) task.items.push_back(std::move(i));
    }
    if (!any_source)
      return FieldError(ref, "items",
                        "the task has no items: give 'items', 'dataset' or 'generator'");
    if (task.pass) {
      std::vector<std::string> names;
      for (const MetricDef& m : TaskMetrics(task)) names.push_back(m.name);
      if (std::find(names.begin(), names.end(), task.pass->metric) == names.end()) {
        auto r = Lookup(ref, "pass");
        return FieldError(
            YamlRef{r->node["metric"], r->file}, "metric",
            "unknown metric '" + task.pass->metric + "'; this task reports: " + JoinNames(names));
      }
    }
    std::set<std::string> ids;
    for (const Item& item : task.items) {
      if (!ids.insert(item.id).second) {
        return Status::InvalidArgument(item.origin + ": item id '" + item.id +
                                       "' is used twice in task '" + task.name + "'");
      }
      auto p = BuildPrompt(task, item, 0);
      if (!p.ok()) return p.status();
    }
    return task;
  }
};

}  // namespace

StatusOr<Suite> LoadSuite(const std::string& path, const LoadOptions& options) {
  Suite suite;
  suite.path = path;
  Loader loader;
  loader.options = options;
  loader.suite = &suite;
  loader.visiting.insert(fs::path(path).lexically_normal().string());
  ASSIGN_OR_RETURN(YAML::Node root, loader.Parse(path));
  const YamlRef top{root, path};
  RETURN_IF_ERROR(CheckKeys(top, "suite", SuiteFieldNames()));
  RETURN_IF_ERROR(loader.AddFile(path));
  suite.sha256 = suite.files[0].second;
  if (!root["id"]) return FieldError(top, "id", "the suite needs an id");
  ASSIGN_OR_RETURN(suite.id, ReadString({root["id"], path}, "id"));
  if (suite.id.empty() || suite.id.find('/') != std::string::npos) {
    return FieldError({root["id"], path}, "id", "must be non-empty and contain no '/'");
  }
  if (root["version"]) {
    ASSIGN_OR_RETURN(suite.version, ReadString({root["version"], path}, "version"));
  }
  if (root["description"]) {
    ASSIGN_OR_RETURN(suite.description, ReadString({root["description"], path}, "description"));
  }
  if (root["tags"]) {
    ASSIGN_OR_RETURN(suite.tags, ReadStringList({root["tags"], path}, "tags"));
  }
  RETURN_IF_ERROR(loader.LoadDefaults(top));
  const YamlRef tasks{root["tasks"], path};
  if (!tasks.node || !tasks.node.IsSequence() || tasks.node.size() == 0) {
    return FieldError(tasks.node ? tasks : top, "tasks", "expected a non-empty list of tasks");
  }
  std::set<std::string> names;
  for (const YAML::Node& t : tasks.node) {
    ASSIGN_OR_RETURN(Task task, loader.ParseTask({t, path}));
    if (!names.insert(task.name).second) {
      return FieldError({t["name"], path}, "name", "task '" + task.name + "' is defined twice");
    }
    suite.tasks.push_back(std::move(task));
  }
  return suite;
}

StatusOr<std::vector<Suite>> LoadSuites(const std::vector<std::string>& names,
                                        const LoadOptions& options) {
  std::vector<Suite> suites;
  std::set<std::string> ids;
  for (const std::string& name : names) {
    ASSIGN_OR_RETURN(Suite s, LoadSuite(ResolveSuitePath(name), options));
    if (!ids.insert(s.id).second) {
      return Status::InvalidArgument(s.path + ": suite id '" + s.id + "' is given twice");
    }
    suites.push_back(std::move(s));
  }
  return suites;
}

std::vector<std::string> BundledSuites() {
  std::vector<std::string> out;
  std::error_code ec;
  auto add_suites_in = [&](const fs::path& dir) {
    std::error_code dir_ec;
    for (const auto& e : fs::directory_iterator(dir, dir_ec)) {
      const std::string ext = e.path().extension().string();
      if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml")) {
        out.push_back(e.path().string());
      }
    }
  };
  add_suites_in(SuitesDir());
  // Suites in subfolders ("recall/passkey"); common/ holds included fragments, not suites.
  for (const auto& e : fs::directory_iterator(SuitesDir(), ec)) {
    if (e.is_directory() && e.path().filename() != "common") add_suites_in(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace rwkv::harness
