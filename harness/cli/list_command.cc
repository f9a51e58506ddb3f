// rwkv-eval list: suites, their tasks and item counts.
#include <cstdio>

#include "command.h"
#include "rwkv/harness/suite_loader.h"

namespace rwkv::cli {

int RunList(const std::vector<std::string>& args) {
  constexpr const char* kName = "list";
  std::vector<std::string> suites;
  std::string data_dir;
  po::options_description o;
  o.add_options()("suite", po::value(&suites)->composing(), "suites (default: the bundled ones)")(
      "data-dir", po::value(&data_dir), "folder of datasets declared with root: data_dir");
  po::positional_options_description pos;
  pos.add("suite", -1);
  po::variables_map vm;
  int code = 0;
  if (!ParseArgs(kName, "[SUITE...] [--data-dir DIR]",
                 "Lists suites (the bundled ones unless named), their tasks and item counts.", o,
                 pos, args, &vm, &code)) {
    return code;
  }
  if (suites.empty()) suites = harness::BundledSuites();
  int status = kExitOk;
  for (const std::string& name : suites) {
    harness::LoadOptions lopts;
    lopts.data_dir = data_dir;
    auto s = harness::LoadSuite(harness::ResolveSuitePath(name), lopts);
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", s.status().ToString().c_str());
      status = kExitFailure;
      continue;
    }
    size_t total = 0;
    for (const auto& t : s->tasks) total += t.items.size();
    std::printf("%s (version %s, %zu tasks, %zu items) %s\n  %s\n", s->id.c_str(),
                s->version.c_str(), s->tasks.size(), total, s->path.c_str(),
                s->description.c_str());
    for (const auto& t : s->tasks) {
      std::string tags;
      for (const auto& tag : t.tags) tags += (tags.empty() ? "" : ",") + tag;
      const std::string count =
          t.missing_data.empty() ? std::to_string(t.items.size()) : "? (needs --data-dir)";
      std::printf("  %-28s %-14s %8s items  %s\n", t.name.c_str(), harness::TaskKindName(t.kind),
                  count.c_str(), tags.c_str());
    }
  }
  return status;
}

}  // namespace rwkv::cli
