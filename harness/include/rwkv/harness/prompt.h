// From a suite item to the text sent to a model: rendering the task's templates, choosing
// few-shot examples, and splitting the prompt into the shared prefix (description + examples,
// identical for every item when examples are fixed) and the item's own part.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rwkv/adapters/model_adapter.h"
#include "rwkv/harness/suite.h"
#include "rwkv/status.h"

namespace rwkv::harness {

// An item's templates rendered.
struct RenderedItem {
  std::string question;              // the prompt template
  std::string target;                // the target template (choice: the correct option's text)
  std::vector<std::string> choices;  // choice tasks: the options
  int answer_index = -1;             // choice tasks: index of the correct option
};

// Errors: a template names a field the item lacks; a choice target out of range or not an
// option. Messages name the item's origin.
StatusOr<RenderedItem> RenderItem(const Task& task, const Item& item);

struct Prompt {
  std::string prefix;                           // description + few-shot examples (plain form)
  std::string prompt;                           // the item's question (plain form)
  std::vector<adapters::ChatMessage> messages;  // chat form (prefix/prompt then empty)
  std::vector<std::string> example_ids;         // the few-shot items used
};

// Builds the prompt for `item`. Few-shot examples never include the item itself; random
// examples are drawn from a hash of (seed, task name, item id), so they do not depend on which
// other items run. With a chat override (ChatOptions templates) the chat is rendered to plain
// text here and prefix/prompt are used.
StatusOr<Prompt> BuildPrompt(const Task& task, const Item& item, uint64_t seed);

// FNV-1a 64-bit hash (stable across platforms), for seeding and sharding.
uint64_t StableHash(const std::string& text, uint64_t seed = 0);

}  // namespace rwkv::harness
