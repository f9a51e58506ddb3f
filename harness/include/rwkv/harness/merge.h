// Combining the outputs of a sharded run (`rwkv-eval run --shard i/n`) into one run.
#pragma once

#include <string>
#include <vector>

#include "rwkv/harness/results.h"

namespace rwkv::harness {

// Reads DIR/results.json and DIR/samples.jsonl of every shard, checks that they are the n
// shards of one run (same configuration apart from the shard, same suites and model, every
// index 0..n-1 exactly once), and writes OUT/results.json and OUT/samples.jsonl as a single
// unsharded run would (metrics recomputed over all items). Errors name the folder at fault.
StatusOr<RunResults> MergeRuns(const std::vector<std::string>& shard_dirs,
                               const std::string& out_dir);

}  // namespace rwkv::harness
