#include "rwkv/adapters/replay_adapter.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "rwkv/adapters/file_digest.h"

namespace rwkv::adapters {

namespace {

class ReplayAdapter : public ModelAdapter {
 public:
  ReplayAdapter(ModelInfo info, std::map<std::string, std::string> by_id,
                std::map<std::string, std::string> by_prompt)
      : info_(std::move(info)), by_id_(std::move(by_id)), by_prompt_(std::move(by_prompt)) {}

  const ModelInfo& info() const override { return info_; }
  Capabilities capabilities() const override {
    Capabilities c;
    c.max_parallel = 64;  // lookups are free
    return c;
  }

  StatusOr<GenerateResult> Generate(const GenerateRequest& req) override {
    auto it = by_id_.find(req.item_id);
    if (it == by_id_.end()) {
      const std::string prompt =
          req.messages.empty() ? req.prefix + req.prompt : RenderRwkvChat(req.messages);
      it = by_prompt_.find(prompt);
      if (it == by_prompt_.end()) {
        return Status::NotFound(info_.path + " has no recorded answer for item '" + req.item_id +
                                "' or its prompt");
      }
    }
    GenerateResult r;
    r.text = it->second;
    r.finish_reason = "stop";
    return r;
  }

 private:
  ModelInfo info_;
  std::map<std::string, std::string> by_id_, by_prompt_;
};

struct Entry {
  std::string id, prompt, output, model;
  bool has_output = false;
};

Status AddEntry(const std::string& where, const Entry& e, std::map<std::string, std::string>* ids,
                std::map<std::string, std::string>* prompts, std::string* model) {
  if (!e.model.empty() && !e.has_output) {
    *model = e.model;
    return Status::Ok();
  }
  if (!e.has_output) return Status::InvalidArgument(where + ": entry has no 'output'");
  if (e.id.empty() && e.prompt.empty()) {
    return Status::InvalidArgument(where + ": entry needs an 'id' or a 'prompt'");
  }
  if (!e.id.empty() && !ids->emplace(e.id, e.output).second) {
    return Status::InvalidArgument(where + ": item id '" + e.id + "' is recorded twice");
  }
  if (!e.prompt.empty()) prompts->emplace(e.prompt, e.output);
  return Status::Ok();
}

}  // namespace

StatusOr<std::unique_ptr<ModelAdapter>> OpenReplayModel(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound(path + ": cannot open replay file");
  std::map<std::string, std::string> ids, prompts;
  std::string model;
  const bool yaml = path.size() > 5 && (path.substr(path.size() - 5) == ".yaml" ||
                                        path.substr(path.size() - 4) == ".yml");
  if (yaml) {
    YAML::Node root;
    try {
      root = YAML::LoadFile(path);
    } catch (const YAML::Exception& e) {
      return Status::InvalidArgument(path + ":" + std::to_string(e.mark.line + 1) + ":" +
                                     std::to_string(e.mark.column + 1) + ": " + e.msg);
    }
    if (root.IsMap() && root["model"]) model = root["model"].as<std::string>("");
    YAML::Node list = root.IsMap() ? root["answers"] : root;
    if (!list || !list.IsSequence()) {
      return Status::InvalidArgument(path +
                                     ": expected a list of answers (or a map with 'answers')");
    }
    for (const YAML::Node& n : list) {
      const std::string where = path + ":" + std::to_string(n.Mark().line + 1);
      if (!n.IsMap()) return Status::InvalidArgument(where + ": each answer must be a map");
      Entry e;
      try {
        if (n["id"]) e.id = n["id"].as<std::string>();
        if (n["prompt"]) e.prompt = n["prompt"].as<std::string>();
        if (n["model"]) e.model = n["model"].as<std::string>();
        if (n["output"]) {
          e.output = n["output"].as<std::string>();
          e.has_output = true;
        }
      } catch (const YAML::Exception& ex) {
        return Status::InvalidArgument(where + ": " + ex.msg);
      }
      RETURN_IF_ERROR(AddEntry(where, e, &ids, &prompts, &model));
    }
  } else {
    std::string line;
    int line_no = 0;
    while (std::getline(in, line)) {
      ++line_no;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      const std::string where = path + ":" + std::to_string(line_no);
      nlohmann::json j;
      try {
        j = nlohmann::json::parse(line);
      } catch (const nlohmann::json::exception& ex) {
        return Status::InvalidArgument(where + ": not valid JSON: " + ex.what());
      }
      if (!j.is_object()) return Status::InvalidArgument(where + ": expected a JSON object");
      Entry e;
      auto str = [&](const char* key, std::string* out) -> Status {
        if (!j.contains(key)) return Status::Ok();
        if (!j[key].is_string()) {
          return Status::InvalidArgument(where + ": '" + key + "' must be a string");
        }
        *out = j[key].get<std::string>();
        return Status::Ok();
      };
      RETURN_IF_ERROR(str("id", &e.id));
      RETURN_IF_ERROR(str("prompt", &e.prompt));
      RETURN_IF_ERROR(str("model", &e.model));
      RETURN_IF_ERROR(str("output", &e.output));
      e.has_output = j.contains("output");
      RETURN_IF_ERROR(AddEntry(where, e, &ids, &prompts, &model));
    }
  }
  ModelInfo info;
  info.spec = "replay:" + path;
  info.kind = "replay";
  info.path = path;
  ASSIGN_OR_RETURN(info.sha256, Sha256File(path));
  info.format = yaml ? "yaml" : "jsonl";
  info.description = (model.empty() ? std::string("recorded answers") : model) + " (" +
                     std::to_string(ids.size() + prompts.size()) + " entries)";
  return std::unique_ptr<ModelAdapter>(
      new ReplayAdapter(std::move(info), std::move(ids), std::move(prompts)));
}

}  // namespace rwkv::adapters
