// rwkv-eval merge: combine the outputs of `run --shard i/n` into one run.
#include <cstdio>

#include "command.h"
#include "rwkv/harness/merge.h"

namespace rwkv::cli {

int RunMerge(const std::vector<std::string>& args) {
  constexpr const char* kName = "merge";
  std::vector<std::string> dirs;
  std::string out_dir;
  po::options_description o;
  o.add_options()("shard-dir", po::value(&dirs)->composing(), "output folders of the shards")(
      "out,o", po::value(&out_dir)->required(), "folder for the merged run");
  po::positional_options_description pos;
  pos.add("shard-dir", -1);
  po::variables_map vm;
  int code = 0;
  if (!ParseArgs(kName, "SHARD_DIR... --out DIR",
                 "Checks that the folders are the n shards of one run and writes the combined "
                 "results.json and samples.jsonl, as one unsharded run would.",
                 o, pos, args, &vm, &code)) {
    return code;
  }
  if (dirs.empty()) return Fail(kName, "give the shard folders", kExitUsage);
  auto merged = harness::MergeRuns(dirs, out_dir);
  if (!merged.ok()) return Fail(kName, merged.status().ToString());
  size_t items = 0;
  for (const auto& t : merged->tasks) items += static_cast<size_t>(t.n_scored + t.n_errors);
  std::printf("merged %zu shards (%zu items) into %s\n", dirs.size(), items, out_dir.c_str());
  return kExitOk;
}

}  // namespace rwkv::cli
