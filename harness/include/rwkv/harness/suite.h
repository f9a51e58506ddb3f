// The in-memory form of a suite: what suite_loader.h produces from YAML and what the runner
// turns into requests. Plain data; no behaviour beyond small lookups.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rwkv/adapters/model_adapter.h"
#include "rwkv/harness/recall_task.h"

namespace rwkv::harness {

// One question. `fields` are the template variables (scalars as text; lists in `lists`).
struct Item {
  std::string id;  // unique within its task
  std::map<std::string, std::string> fields;
  std::map<std::string, std::vector<std::string>> lists;
  double weight = 1.0;
  std::string origin;  // "suite.yaml:12:5", "data.jsonl:7" or "generator addition #3"
};

enum class TaskKind { kGenerate, kChoice, kLoglikelihood, kPerplexity, kRecall };
const char* TaskKindName(TaskKind kind);

// One step of an answer-extraction pipeline (see extraction.h for the semantics).
struct ExtractStep {
  std::string op;     // "regex", "first_line", "strip", "lowercase", "numeric", "boxed", ...
  std::string regex;  // op == "regex"
  int group = 0;      // op == "regex": capture group (0 = whole match)
  bool last = false;  // op == "regex" / "number": take the last match instead of the first
};

struct ExtractPipeline {
  std::string name;  // "strict", "flexible", ...
  std::vector<ExtractStep> steps;
};

struct Scorer {
  std::string type;      // "exact", "contains", "regex", "numeric", "code_output", "token_f1"
  double tolerance = 0;  // numeric: |a - b| <= tolerance (absolute)
  std::string pattern;   // regex: the extracted answer must match this (target ignored)
  bool ignore_case = false;
};

struct FewShot {
  int count = 0;           // examples per prompt
  bool random = false;     // drawn with the run seed per item, else the first `count`
  std::vector<Item> pool;  // examples given in the suite (empty: drawn from the task items)
};

struct Delimiters {
  std::string after_description = "\n\n";  // between description and the first example
  std::string between_examples = "\n\n";   // between examples, and before the question
  std::string before_target = " ";         // between an example's prompt and its answer
};

struct PassThreshold {
  std::string metric;  // e.g. "exact:strict"
  double min = 0;
};

struct ChatOptions {
  bool enabled = false;
  // Overrides the adapter's own rendering when non-empty: the whole prompt is then built with
  // these strings ("{{content}}" is replaced) and sent as plain text.
  std::string system_template, user_template, assistant_template;
};

// A `generator:` entry as written in the suite, so the same generator can be run again with
// other seeds (training data that never repeats the evaluation items).
struct GeneratorSpec {
  std::string name;
  uint64_t seed = 0;
  int count = 0;
  std::map<std::string, std::string> params;
};

struct Task {
  std::string name;
  std::string origin;  // file:line:column of the task's definition
  TaskKind kind = TaskKind::kGenerate;
  std::vector<std::string> tags;
  std::string description;                    // system / instruction text (template)
  std::string prompt_template;                // "template"
  std::string target_template;                // "target"
  std::vector<std::string> choice_templates;  // choice: one template per option
  std::string choices_field;                  // choice: an item list field holding the options
  bool target_is_index = true;  // choice: target renders to an option index (else its text)
  FewShot few_shot;
  Delimiters delimiters;
  ChatOptions chat;
  adapters::GenerationParams generation;
  std::vector<ExtractPipeline> extract;  // generate: at least one ("default" = strip)
  std::vector<Scorer> scorers;           // generate: at least one
  std::optional<PassThreshold> pass;
  std::vector<Item> items;
  std::vector<GeneratorSpec> generators;  // the generator entries that made some of `items`
  // Set when the items come from --data-dir and none was given: the task cannot run.
  std::string missing_data;
  // kRecall: the memory-decay probe (items are its checkpoints; see recall_task.h).
  std::optional<RecallTaskSpec> recall;
};

struct Suite {
  std::string id;
  std::string version;
  std::string description;
  std::vector<std::string> tags;
  std::string path;    // the YAML file
  std::string sha256;  // of the YAML file
  // Every file the suite read (YAML, included files, datasets) with its SHA-256, in load order.
  std::vector<std::pair<std::string, std::string>> files;
  std::vector<Task> tasks;

  const Task* FindTask(const std::string& name) const;
};

}  // namespace rwkv::harness
