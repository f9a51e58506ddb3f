// rwkv-eval validate: check suites against the schema without a model.
#include <cstdio>

#include "command.h"
#include "rwkv/harness/suite_loader.h"

namespace rwkv::cli {

int RunValidate(const std::vector<std::string>& args) {
  constexpr const char* kName = "validate";
  std::vector<std::string> suites;
  std::string data_dir;
  po::options_description o;
  o.add_options()("suite", po::value(&suites)->composing(), "suites to check")(
      "data-dir", po::value(&data_dir), "folder of datasets declared with root: data_dir");
  po::positional_options_description pos;
  pos.add("suite", -1);
  po::variables_map vm;
  int code = 0;
  if (!ParseArgs(kName, "SUITE... [--data-dir DIR]",
                 "Checks suites (fields, types, templates, datasets, generators) without a "
                 "model. Exit status 1 if any is invalid.",
                 o, pos, args, &vm, &code)) {
    return code;
  }
  if (suites.empty()) return Fail(kName, "give at least one suite", kExitUsage);
  int status = kExitOk;
  for (const std::string& name : suites) {
    harness::LoadOptions lopts;
    lopts.data_dir = data_dir;
    auto s = harness::LoadSuite(harness::ResolveSuitePath(name), lopts);
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", s.status().message().c_str());
      status = kExitFailure;
      continue;
    }
    size_t total = 0;
    std::string notes;
    for (const auto& t : s->tasks) {
      total += t.items.size();
      if (!t.missing_data.empty()) notes += "\n  note: task " + t.name + ": " + t.missing_data;
    }
    std::printf("%s: ok (suite %s, %zu tasks, %zu items)%s\n", s->path.c_str(), s->id.c_str(),
                s->tasks.size(), total, notes.c_str());
  }
  return status;
}

}  // namespace rwkv::cli
