#include "rwkv/harness/prompt.h"

#include <algorithm>

#include "rwkv/harness/template.h"

namespace rwkv::harness {

uint64_t StableHash(const std::string& text, uint64_t seed) {
  uint64_t h = 1469598103934665603ULL ^ (seed * 0x9e3779b97f4a7c15ULL);
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

StatusOr<RenderedItem> RenderItem(const Task& task, const Item& item) {
  RenderedItem r;
  auto fail = [&](const std::string& field, const Status& s) {
    return Status::InvalidArgument(item.origin + ": item '" + item.id + "': field '" + field +
                                   "': " + s.message());
  };
  auto q = RenderTemplate(task.prompt_template, item.fields);
  if (!q.ok()) return fail("template", q.status());
  r.question = *q;
  if (task.kind == TaskKind::kPerplexity) return r;
  auto t = RenderTemplate(task.target_template, item.fields);
  if (!t.ok()) return fail("target", t.status());
  r.target = *t;
  if (task.kind != TaskKind::kChoice) return r;
  if (!task.choices_field.empty()) {
    auto it = item.lists.find(task.choices_field);
    if (it == item.lists.end()) {
      return fail("choices_field", Status::InvalidArgument("the item has no list field '" +
                                                           task.choices_field + "'"));
    }
    r.choices = it->second;
  } else {
    for (const std::string& c : task.choice_templates) {
      auto rc = RenderTemplate(c, item.fields);
      if (!rc.ok()) return fail("choices", rc.status());
      r.choices.push_back(*rc);
    }
  }
  if (r.choices.size() < 2) {
    return fail("choices", Status::InvalidArgument("a choice item needs at least 2 options"));
  }
  if (task.target_is_index) {
    int idx = -1;
    try {
      size_t used = 0;
      idx = std::stoi(r.target, &used);
      if (used != r.target.size()) idx = -1;
    } catch (const std::exception&) {
    }
    if (idx < 0 || idx >= static_cast<int>(r.choices.size())) {
      return fail("target",
                  Status::InvalidArgument("'" + r.target + "' is not an option index 0.." +
                                          std::to_string(r.choices.size() - 1) +
                                          " (set target_type: text to give the option's text)"));
    }
    r.answer_index = idx;
  } else {
    auto it = std::find(r.choices.begin(), r.choices.end(), r.target);
    if (it == r.choices.end()) {
      return fail("target",
                  Status::InvalidArgument("'" + r.target + "' is not one of the options"));
    }
    r.answer_index = static_cast<int>(it - r.choices.begin());
  }
  r.target = r.choices[static_cast<size_t>(r.answer_index)];
  return r;
}

namespace {

std::vector<const Item*> ChooseExamples(const Task& task, const Item& item, uint64_t seed) {
  const std::vector<Item>& pool = task.few_shot.pool.empty() ? task.items : task.few_shot.pool;
  std::vector<const Item*> candidates;
  for (const Item& e : pool) {
    if (task.few_shot.pool.empty() && e.id == item.id) continue;
    candidates.push_back(&e);
  }
  if (task.few_shot.random) {
    // Deterministic Fisher-Yates driven by the stable hash chain.
    uint64_t h = StableHash(task.name + "\n" + item.id, seed);
    for (size_t i = candidates.size(); i > 1; --i) {
      h = StableHash(std::to_string(i), h);
      std::swap(candidates[i - 1], candidates[h % i]);
    }
  }
  if (candidates.size() > static_cast<size_t>(task.few_shot.count)) {
    candidates.resize(static_cast<size_t>(task.few_shot.count));
  }
  return candidates;
}

std::string Replace(const std::string& tmpl, const std::string& content) {
  auto r = RenderTemplate(tmpl, {{"content", content}});
  return r.ok() ? *r : tmpl;
}

// The part of an assistant template before {{content}}, without trailing spaces.
std::string AssistantCue(const std::string& tmpl) {
  std::string cue = tmpl.substr(0, tmpl.find("{{"));
  while (!cue.empty() && cue.back() == ' ') cue.pop_back();
  return cue;
}

}  // namespace

StatusOr<Prompt> BuildPrompt(const Task& task, const Item& item, uint64_t seed) {
  ASSIGN_OR_RETURN(RenderedItem self, RenderItem(task, item));
  std::string description;
  if (!task.description.empty()) {
    auto d = RenderTemplate(task.description, item.fields);
    if (!d.ok()) {
      return Status::InvalidArgument(item.origin + ": item '" + item.id +
                                     "': field 'description': " + d.status().message());
    }
    description = *d;
  }
  std::vector<std::pair<std::string, std::string>> shots;
  Prompt p;
  for (const Item* e : ChooseExamples(task, item, seed)) {
    ASSIGN_OR_RETURN(RenderedItem r, RenderItem(task, *e));
    shots.emplace_back(r.question, r.target);
    p.example_ids.push_back(e->id);
  }
  const Delimiters& d = task.delimiters;
  const ChatOptions& chat = task.chat;
  const bool override_chat = chat.enabled && !chat.user_template.empty();
  if (chat.enabled && !override_chat) {
    if (!description.empty()) p.messages.push_back({"system", description});
    for (const auto& [q, a] : shots) {
      p.messages.push_back({"user", q});
      p.messages.push_back({"assistant", a});
    }
    p.messages.push_back({"user", self.question});
    return p;
  }
  if (override_chat) {
    if (!description.empty()) p.prefix += Replace(chat.system_template, description);
    for (const auto& [q, a] : shots) {
      p.prefix += Replace(chat.user_template, q) + Replace(chat.assistant_template, a);
    }
    p.prompt = Replace(chat.user_template, self.question) + AssistantCue(chat.assistant_template);
    return p;
  }
  if (!description.empty()) p.prefix += description + d.after_description;
  for (const auto& [q, a] : shots) p.prefix += q + d.before_target + a + d.between_examples;
  p.prompt = self.question;
  return p;
}

}  // namespace rwkv::harness
