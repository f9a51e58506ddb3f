// rwkv-eval show: the exact prompt that will be sent for one item.
#include <cstdio>
#include <cstdlib>

#include "command.h"
#include "rwkv/harness/prompt.h"
#include "rwkv/harness/recall_probe.h"
#include "rwkv/harness/suite_loader.h"

namespace rwkv::cli {

namespace {

std::string Field(const harness::Item& item, const char* name) {
  auto it = item.fields.find(name);
  return it == item.fields.end() ? "" : it->second;
}

// A recall checkpoint's prompt is its trial's facts, filler up to a distance counted in the
// model's tokens, and the question: the filler is shown as a placeholder (a run's samples.jsonl
// has the measured distance and the prompt's digest).
int ShowRecallItem(const std::string& suite_id, const harness::Task& task,
                   const harness::Item& item) {
  std::printf("# %s/%s/%s (%s, from %s)\n", suite_id.c_str(), task.name.c_str(), item.id.c_str(),
              harness::TaskKindName(task.kind), item.origin.c_str());
  if (task.recall->position_loss()) {
    std::printf("# the loss of document %s's tokens from position %s on, in one pass\n",
                Field(item, "document").c_str(), Field(item, "start").c_str());
    return kExitOk;
  }
  const harness::RecallSpec& spec = task.recall->spec;
  const int trial = std::stoi(Field(item, "trial"));
  const harness::RecallTrialText t = harness::MakeRecallTrial(spec, trial);
  const std::vector<std::string>& filler =
      spec.filler.empty() ? harness::PasskeyFiller() : spec.filler;
  const std::string first = filler.empty() ? "" : filler.front();
  // The placeholder stands where the filler goes, without adding line breaks of its own.
  std::string body;
  if (spec.kind == harness::RecallKind::kNeedle) {
    char depth[32];
    std::snprintf(depth, sizeof depth, "%g", std::strtod(Field(item, "depth").c_str(), nullptr));
    body = "[filler, " + Field(item, "length") + " tokens of the model in all, holding at depth " +
           depth + " the needle \"" + t.needle + "\"; filler sentences: \"" + first + "\" ...]";
  } else {
    body = "[filler sentences until " + Field(item, "target") +
           " tokens of the model's tokenizer after the facts: \"" + first + "\" ...]";
  }
  std::printf("# trial %d; the filler is counted in the model's tokens when the item runs\n",
              trial);
  std::printf("----- prompt -----\n%s%s%s\n----- target -----\n%s\n", t.facts.c_str(), body.c_str(),
              t.question.c_str(), t.answer.c_str());
  return kExitOk;
}

}  // namespace

int RunShow(const std::vector<std::string>& args) {
  constexpr const char* kName = "show";
  std::string suite_name, item_arg, task_name, data_dir;
  uint64_t seed = 0;
  bool raw = false;
  po::options_description o;
  o.add_options()("suite", po::value(&suite_name)->required(), "suite name or YAML file")(
      "item", po::value(&item_arg)->required(),
      "item id, or its 0-based position (in --task, else in the whole suite)")(
      "task", po::value(&task_name), "task of the item")("seed", po::value(&seed)->default_value(0),
                                                         "run seed (random few-shot examples)")(
      "data-dir", po::value(&data_dir), "folder of datasets declared with root: data_dir")(
      "raw", po::bool_switch(&raw), "print only the prompt text, byte for byte");
  po::positional_options_description pos;
  pos.add("suite", 1);
  po::variables_map vm;
  int code = 0;
  if (!ParseArgs(kName, "SUITE --item N [--task TASK] [--seed S] [--raw]",
                 "Prints the exact prompt the harness sends for one item, and its target.", o, pos,
                 args, &vm, &code)) {
    return code;
  }
  harness::LoadOptions lopts;
  lopts.data_dir = data_dir;
  auto suite = harness::LoadSuite(harness::ResolveSuitePath(suite_name), lopts);
  if (!suite.ok()) return Fail(kName, suite.status().ToString());
  if (!task_name.empty() && !suite->FindTask(task_name)) {
    return Fail(kName, "suite " + suite->id + " has no task '" + task_name + "'", kExitUsage);
  }
  // Candidates in plan order.
  std::vector<std::pair<const harness::Task*, const harness::Item*>> all;
  for (const auto& t : suite->tasks) {
    if (!task_name.empty() && t.name != task_name) continue;
    for (const auto& i : t.items) all.emplace_back(&t, &i);
  }
  std::vector<std::pair<const harness::Task*, const harness::Item*>> hits;
  for (const auto& c : all) {
    if (c.second->id == item_arg) hits.push_back(c);
  }
  if (hits.empty()) {
    try {
      size_t used = 0;
      const long idx = std::stol(item_arg, &used);
      if (used == item_arg.size() && idx >= 0 && static_cast<size_t>(idx) < all.size()) {
        hits.push_back(all[static_cast<size_t>(idx)]);
      }
    } catch (const std::exception&) {
    }
  }
  if (hits.empty()) return Fail(kName, "no item '" + item_arg + "' in " + suite->id, kExitUsage);
  if (hits.size() > 1) {
    return Fail(kName, "item id '" + item_arg + "' is in several tasks; give --task", kExitUsage);
  }
  const auto [task, item] = hits[0];
  if (task->kind == harness::TaskKind::kRecall && task->recall) {
    if (raw) {
      return Fail(kName,
                  "a recall item's prompt holds filler measured in the model's tokens; it has no "
                  "model-independent text (drop --raw)",
                  kExitUsage);
    }
    return ShowRecallItem(suite->id, *task, *item);
  }
  auto prompt = harness::BuildPrompt(*task, *item, seed);
  if (!prompt.ok()) return Fail(kName, prompt.status().ToString());
  auto rendered = harness::RenderItem(*task, *item);
  if (!rendered.ok()) return Fail(kName, rendered.status().ToString());
  const std::string text = prompt->messages.empty() ? prompt->prefix + prompt->prompt
                                                    : adapters::RenderRwkvChat(prompt->messages);
  if (raw) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return kExitOk;
  }
  std::printf("# %s/%s/%s (%s, from %s)\n", suite->id.c_str(), task->name.c_str(), item->id.c_str(),
              harness::TaskKindName(task->kind), item->origin.c_str());
  if (!prompt->example_ids.empty()) {
    std::string ids;
    for (const auto& e : prompt->example_ids) ids += (ids.empty() ? "" : ", ") + e;
    std::printf("# few-shot examples: %s\n", ids.c_str());
  }
  if (!prompt->messages.empty()) {
    std::printf(
        "# chat messages (shown as the built-in RWKV adapter renders them; other "
        "adapters send the messages as they are)\n");
  } else {
    std::printf("# shared prefix: %zu bytes, item part: %zu bytes\n", prompt->prefix.size(),
                prompt->prompt.size());
  }
  std::printf("----- prompt -----\n%s\n----- target -----\n%s\n", text.c_str(),
              rendered->target.c_str());
  if (!rendered->choices.empty()) {
    std::printf("----- options (continuations after \"%s\") -----\n",
                task->delimiters.before_target.c_str());
    for (size_t i = 0; i < rendered->choices.size(); ++i) {
      std::printf("%zu%s %s\n", i, static_cast<int>(i) == rendered->answer_index ? "*" : " ",
                  rendered->choices[i].c_str());
    }
  }
  return kExitOk;
}

}  // namespace rwkv::cli
