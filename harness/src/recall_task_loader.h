// Reading a task's `recall:` block (suite kind `recall`) with file:line errors.
#pragma once

#include <functional>
#include <string>

#include "rwkv/harness/suite.h"
#include "rwkv/status.h"
#include "yaml_fields.h"

namespace rwkv::harness {

// The task fields a recall task accepts besides its `recall:` block.
const std::vector<std::string>& RecallTaskFieldNames();

// Parses `ref` (the `recall:` map) into task->recall and task->items. Files named by the block
// are resolved against the suite file's folder (filler_file, text_file) or `data_dir`
// (data_file) and reported through `add_file`. Without a data_dir a data_file leaves the task
// without items and sets task->missing_data.
Status ParseRecallBlock(const YamlRef& ref, const std::string& data_dir,
                        const std::function<Status(const std::string&)>& add_file, Task* task);

}  // namespace rwkv::harness
