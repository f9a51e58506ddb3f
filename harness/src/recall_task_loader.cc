#include "recall_task_loader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "rwkv/harness/dataset.h"
#include "rwkv/harness/recall_task.h"

namespace rwkv::harness {

namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kProbes = {
    "passkey", "needle", "multikey", "multivalue", "variable_tracking", "position_loss"};

const std::vector<std::string> kKeys = {"probe",
                                        "distances",
                                        "lengths",
                                        "depths",
                                        "trials",
                                        "seed",
                                        "digits",
                                        "distractors",
                                        "values",
                                        "hops",
                                        "filler",
                                        "filler_file",
                                        "max_answer_tokens",
                                        "effective_threshold",
                                        "text_file",
                                        "data_file",
                                        "field",
                                        "documents",
                                        "document_bytes"};

// Keys that only some probes use: key → the probes it applies to.
const std::vector<std::pair<std::string, std::vector<std::string>>> kProbeOnly = {
    {"distances", {"passkey", "multikey", "multivalue", "variable_tracking"}},
    {"effective_threshold", {"passkey", "multikey", "multivalue", "variable_tracking"}},
    {"lengths", {"needle"}},
    {"depths", {"needle"}},
    {"distractors", {"multikey"}},
    {"values", {"multivalue"}},
    {"hops", {"variable_tracking"}},
    {"text_file", {"position_loss"}},
    {"data_file", {"position_loss"}},
    {"field", {"position_loss"}},
    {"documents", {"position_loss"}},
    {"document_bytes", {"position_loss"}},
};
const std::vector<std::string> kProbeKeysNotForLoss = {
    "trials", "seed", "digits", "filler", "filler_file", "max_answer_tokens"};

StatusOr<std::string> ReadTextFile(const YamlRef& ref, const std::string& field,
                                   const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return FieldError(ref, field, "cannot open " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A list of non-negative, strictly increasing integers.
StatusOr<std::vector<int64_t>> ReadIncreasing(const YamlRef& ref, const std::string& field) {
  if (!ref.node.IsSequence() || ref.node.size() == 0) {
    return FieldError(ref, field, "expected a non-empty list of token counts");
  }
  std::vector<int64_t> out;
  for (const YAML::Node& n : ref.node) {
    ASSIGN_OR_RETURN(int v, ReadInt({n, ref.file}, field, 0, 2000000000));
    if (!out.empty() && v <= out.back()) {
      return FieldError(
          {n, ref.file}, field,
          "must be increasing: " + std::to_string(v) + " after " + std::to_string(out.back()));
    }
    out.push_back(v);
  }
  return out;
}

StatusOr<std::vector<double>> ReadDepths(const YamlRef& ref) {
  if (!ref.node.IsSequence() || ref.node.size() == 0) {
    return FieldError(ref, "depths", "expected a non-empty list of fractions in [0, 1]");
  }
  std::vector<double> out;
  for (const YAML::Node& n : ref.node) {
    ASSIGN_OR_RETURN(double v, ReadDouble({n, ref.file}, "depths"));
    if (!(v >= 0 && v <= 1)) {
      return FieldError(
          {n, ref.file}, "depths",
          "a depth is a fraction of the haystack in [0, 1] (0 = start), not " + std::to_string(v));
    }
    for (double d : out) {
      if (d == v) return FieldError({n, ref.file}, "depths", "depth given twice");
    }
    out.push_back(v);
  }
  return out;
}

// position_loss documents: passages joined by blank lines until each holds `bytes` bytes.
Status LoadDocuments(const YamlRef& ref, const std::string& data_dir,
                     const std::function<Status(const std::string&)>& add_file, Task* task) {
  RecallTaskSpec& r = *task->recall;
  const YAML::Node& n = ref.node;
  if (!n["text_file"] == !n["data_file"]) {
    return FieldError(ref, "recall", "position_loss needs exactly one of text_file, data_file");
  }
  int documents = 4, bytes = 8192;
  if (n["documents"]) {
    ASSIGN_OR_RETURN(documents, ReadInt({n["documents"], ref.file}, "documents", 1, 100000));
  }
  if (n["document_bytes"]) {
    ASSIGN_OR_RETURN(bytes,
                     ReadInt({n["document_bytes"], ref.file}, "document_bytes", 16, 1 << 30));
  }
  std::vector<std::string> passages;
  std::string source;
  if (n["text_file"]) {
    const YamlRef f{n["text_file"], ref.file};
    ASSIGN_OR_RETURN(std::string rel, ReadString(f, "text_file"));
    source = (fs::path(ref.file).parent_path() / rel).lexically_normal().string();
    ASSIGN_OR_RETURN(std::string text, ReadTextFile(f, "text_file", source));
    passages = SplitSentences(text);
  } else {
    const YamlRef f{n["data_file"], ref.file};
    ASSIGN_OR_RETURN(std::string rel, ReadString(f, "data_file"));
    std::string field = "text";
    if (n["field"]) {
      ASSIGN_OR_RETURN(field, ReadString({n["field"], ref.file}, "field"));
    }
    if (data_dir.empty()) {
      task->missing_data = "dataset '" + rel + "' is read from --data-dir, which was not given";
      return Status::Ok();
    }
    source = (fs::path(data_dir) / rel).string();
    auto rows = ReadJsonl(source);
    if (!rows.ok()) return Status(rows.status()).WithContext(Where(f) + ": data_file");
    for (const DatasetRow& row : *rows) {
      auto it = row.values.find(field);
      if (it == row.values.end()) {
        return Status::InvalidArgument(source + ":" + std::to_string(row.line) + ": no field '" +
                                       field + "' (named at " + Where(f) + ")");
      }
      passages.push_back(it->second);
    }
  }
  RETURN_IF_ERROR(add_file(source));
  const std::string sep = n["text_file"] ? " " : "\n\n";
  std::string doc;
  for (const std::string& p : passages) {
    if (static_cast<int>(r.documents.size()) == documents) break;
    doc += (doc.empty() ? "" : sep) + p;
    if (static_cast<int64_t>(doc.size()) >= bytes) {
      r.documents.push_back(std::move(doc));
      doc.clear();
    }
  }
  if (static_cast<int>(r.documents.size()) < documents) {
    return FieldError(ref, "documents",
                      source + " holds text for only " + std::to_string(r.documents.size()) +
                          " documents of " + std::to_string(bytes) + " bytes, not " +
                          std::to_string(documents));
  }
  return Status::Ok();
}

}  // namespace

const std::vector<std::string>& RecallTaskFieldNames() {
  static const std::vector<std::string> k = {"name",        "kind", "tags",
                                             "description", "pass", "recall"};
  return k;
}

Status ParseRecallBlock(const YamlRef& ref, const std::string& data_dir,
                        const std::function<Status(const std::string&)>& add_file, Task* task) {
  if (!ref.node.IsMap()) return FieldError(ref, "recall", "expected a map (probe: passkey, …)");
  RETURN_IF_ERROR(CheckKeys(ref, "recall", kKeys));
  const YAML::Node& n = ref.node;
  task->recall.emplace();
  RecallTaskSpec& r = *task->recall;
  if (!n["probe"]) return FieldError(ref, "probe", "needs a 'probe' (" + JoinNames(kProbes) + ")");
  ASSIGN_OR_RETURN(r.probe, ReadEnum({n["probe"], ref.file}, "probe", kProbes));
  for (const auto& [key, probes] : kProbeOnly) {
    if (n[key] && std::find(probes.begin(), probes.end(), r.probe) == probes.end()) {
      return FieldError({n[key], ref.file}, key,
                        "does not apply to probe " + r.probe + " (only " + JoinNames(probes) + ")");
    }
  }
  if (r.position_loss()) {
    for (const std::string& key : kProbeKeysNotForLoss) {
      if (n[key]) return FieldError({n[key], ref.file}, key, "does not apply to position_loss");
    }
    RETURN_IF_ERROR(LoadDocuments(ref, data_dir, add_file, task));
    task->items = RecallItems(r);
    return Status::Ok();
  }
  RecallSpec& s = r.spec;
  ParseRecallKind(r.probe, &s.kind);
  auto read_int = [&](const char* key, int min, int max, int* out) -> Status {
    if (!n[key]) return Status::Ok();
    ASSIGN_OR_RETURN(*out, ReadInt({n[key], ref.file}, key, min, max));
    return Status::Ok();
  };
  if (n["distances"]) {
    ASSIGN_OR_RETURN(s.distances, ReadIncreasing({n["distances"], ref.file}, "distances"));
  }
  if (n["lengths"]) {
    ASSIGN_OR_RETURN(s.lengths, ReadIncreasing({n["lengths"], ref.file}, "lengths"));
  }
  if (n["depths"]) {
    ASSIGN_OR_RETURN(s.depths, ReadDepths({n["depths"], ref.file}));
  }
  RETURN_IF_ERROR(read_int("trials", 1, 100000, &s.trials));
  int seed = static_cast<int>(s.seed);
  RETURN_IF_ERROR(read_int("seed", 0, 2147483647, &seed));
  s.seed = static_cast<uint64_t>(seed);
  RETURN_IF_ERROR(read_int("digits", 1, 18, &s.digits));
  RETURN_IF_ERROR(read_int("distractors", 0, 1000, &s.distractors));
  RETURN_IF_ERROR(read_int("values", 1, 100, &s.values));
  RETURN_IF_ERROR(read_int("hops", 0, 1000, &s.hops));
  RETURN_IF_ERROR(read_int("max_answer_tokens", 0, 100000, &s.max_answer_tokens));
  if (n["effective_threshold"]) {
    const YamlRef t{n["effective_threshold"], ref.file};
    ASSIGN_OR_RETURN(r.effective_threshold, ReadDouble(t, "effective_threshold"));
    if (!(r.effective_threshold > 0 && r.effective_threshold <= 1)) {
      return FieldError(t, "effective_threshold", "must be in (0, 1]");
    }
  }
  if (n["filler"] && n["filler_file"]) {
    return FieldError(ref, "filler", "give 'filler' or 'filler_file', not both");
  }
  if (n["filler"]) {
    ASSIGN_OR_RETURN(s.filler, ReadStringList({n["filler"], ref.file}, "filler"));
  }
  if (n["filler_file"]) {
    const YamlRef f{n["filler_file"], ref.file};
    ASSIGN_OR_RETURN(std::string rel, ReadString(f, "filler_file"));
    const std::string path = (fs::path(ref.file).parent_path() / rel).lexically_normal().string();
    ASSIGN_OR_RETURN(std::string text, ReadTextFile(f, "filler_file", path));
    s.filler = SplitSentences(text);
    RETURN_IF_ERROR(add_file(path));
  }
  if (n["filler"] || n["filler_file"]) {
    if (s.filler.empty()) return FieldError(ref, "filler", "the filler holds no sentence");
  }
  task->items = RecallItems(r);
  return Status::Ok();
}

}  // namespace rwkv::harness
