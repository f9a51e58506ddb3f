// Loading and validating suite files (the YAML format documented in suites/README.md).
//
// Every error names file:line:column and the field, and lists the allowed values; unknown
// fields are errors that suggest the closest known name; a broken dataset line names its line.
// A suite that loads without error has every item's prompt, target and options rendered once,
// so a run cannot fail later on a template.
#pragma once

#include <string>
#include <vector>

#include "rwkv/harness/suite.h"
#include "rwkv/status.h"

namespace rwkv::harness {

struct LoadOptions {
  // Folder for datasets declared with `root: data_dir` (--data-dir). Empty: such tasks load
  // without items and carry Task::missing_data.
  std::string data_dir;
};

// Reads and validates one suite file.
StatusOr<Suite> LoadSuite(const std::string& path, const LoadOptions& options);

// Loads several suites (names or paths, see ResolveSuitePath). Errors: the first failing
// suite's error; two suites with the same id.
StatusOr<std::vector<Suite>> LoadSuites(const std::vector<std::string>& names,
                                        const LoadOptions& options);

// The bundled suite files (*.yaml in SuitesDir() and in its subfolders other than common/,
// which holds included fragments), sorted.
std::vector<std::string> BundledSuites();

// A bundled suite name ("arithmetic", "recall/passkey") → its file under the suites folder.
// Names ending in .yaml/.yml, and names with '/' that exist as files (or name no bundled
// suite), are returned unchanged.
std::string ResolveSuitePath(const std::string& name_or_path);

// The bundled suites folder: $RWKV_EVAL_SUITES, else <source dir>/suites.
std::string SuitesDir();

// The field names accepted at each level, for documentation and tests.
const std::vector<std::string>& SuiteFieldNames();
const std::vector<std::string>& TaskFieldNames();

}  // namespace rwkv::harness
