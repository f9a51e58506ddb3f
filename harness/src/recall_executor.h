// Runs the checkpoints of a recall task that one model pass produces together (a "unit": a
// trial of a distance probe, one needle cell, one position-loss document).
#pragma once

#include <vector>

#include "rwkv/adapters/model_adapter.h"
#include "rwkv/harness/results.h"
#include "rwkv/harness/runner.h"

namespace rwkv::harness {

// Groups planned items into units of work in order: each non-recall item alone; the items of a
// recall task with the same "unit" field together (at the position of the first).
std::vector<std::vector<const PlannedItem*>> GroupRecallUnits(
    const std::vector<const PlannedItem*>& items);

// Executes `unit` (planned items of one recall task with the same "unit" field; REQUIRES: not
// empty) and returns one record per item, in the order given. A distance probe runs its trial
// up to the largest distance asked for, so a resumed run only computes what is missing. Model
// errors become every record's error (kUnsupported sets `unsupported`).
std::vector<ItemRecord> ExecuteRecallUnit(const std::vector<const PlannedItem*>& unit,
                                          adapters::ModelAdapter& model);

}  // namespace rwkv::harness
