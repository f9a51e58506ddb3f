#include "recall_executor.h"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <map>

#include "rwkv/harness/recall_probe.h"
#include "rwkv/harness/recall_task.h"

namespace rwkv::harness {

namespace {

std::string Field(const Item& item, const char* name) {
  auto it = item.fields.find(name);
  return it == item.fields.end() ? "" : it->second;
}

int64_t IntField(const Item& item, const char* name) {
  return std::strtoll(Field(item, name).c_str(), nullptr, 10);
}

// The grid depth an item stands for (its field holds the depth as decimal text).
double GridDepth(const RecallSpec& spec, const Item& item) {
  const double parsed = std::strtod(Field(item, "depth").c_str(), nullptr);
  for (double d : spec.depths) {
    if (std::abs(d - parsed) < 1e-6) return d;
  }
  return parsed;
}

Status RunProbeUnit(const std::vector<const PlannedItem*>& unit, adapters::ModelAdapter& model,
                    std::vector<ItemRecord>* recs) {
  const RecallTaskSpec& task = *unit.front()->task->recall;
  const Item& first = *unit.front()->item;
  RecallSpec spec = task.spec;
  spec.first_trial = static_cast<int>(IntField(first, "trial"));
  spec.trials = 1;
  const bool needle = spec.kind == RecallKind::kNeedle;
  if (needle) {
    spec.lengths = {IntField(first, "length")};
    spec.depths = {GridDepth(task.spec, first)};
  } else {
    // Every checkpoint up to the largest one asked for: the pass goes there anyway.
    int64_t largest = 0;
    for (const PlannedItem* p : unit) largest = std::max(largest, IntField(*p->item, "target"));
    spec.distances.clear();
    for (int64_t d : task.spec.distances) {
      if (d <= largest) spec.distances.push_back(d);
    }
  }
  ASSIGN_OR_RETURN(std::vector<RecallResult> results, RunRecall(model, spec, RecallOptions{}));
  for (size_t i = 0; i < unit.size(); ++i) {
    const int64_t target = IntField(*unit[i]->item, "target");
    const RecallResult* r = nullptr;
    for (const RecallResult& x : results) {
      if (x.target == target) r = &x;
    }
    if (!r) return Status::Internal("recall checkpoint " + unit[i]->item->id + " was not run");
    ItemRecord& rec = (*recs)[i];
    const std::string t = std::to_string(target);
    rec.values["correct"] = r->correct ? 1 : 0;
    rec.values["correct@" + t] = r->correct ? 1 : 0;
    rec.values["at@" + t] = 1;
    rec.values["target"] = static_cast<double>(r->target);
    rec.values["distance"] = static_cast<double>(r->distance);
    rec.values["trial"] = r->trial;
    rec.values["filler_sentences"] = r->filler_sentences;
    if (!std::isnan(r->answer_logprob)) {
      rec.values["answer_logprob"] = r->answer_logprob;
      rec.values["has_logprob"] = 1;
    }
    if (needle) {
      rec.values["length"] = static_cast<double>(target);
      rec.values["depth"] = r->depth;
    }
    rec.target = r->answer;
    rec.output = r->output;
    rec.prompt = "[" + std::string(RecallKindName(spec.kind)) + " trial " +
                 std::to_string(r->trial) + ": instruction and fact, " +
                 std::to_string(r->distance) + " tokens of filler (" +
                 std::to_string(r->filler_sentences) + " sentences), question; prompt digest " +
                 r->prompt_digest + "]";
  }
  return Status::Ok();
}

Status RunLossUnit(const std::vector<const PlannedItem*>& unit, adapters::ModelAdapter& model,
                   std::vector<ItemRecord>* recs) {
  const RecallTaskSpec& task = *unit.front()->task->recall;
  const size_t doc = static_cast<size_t>(IntField(*unit.front()->item, "document"));
  if (doc >= task.documents.size()) return Status::Internal("no position-loss document");
  ASSIGN_OR_RETURN(std::vector<PositionLoss> buckets,
                   MeasurePositionLoss(model, task.documents[doc]));
  for (size_t i = 0; i < unit.size(); ++i) {
    const int64_t start = IntField(*unit[i]->item, "start");
    ItemRecord& rec = (*recs)[i];
    // The bucket's nominal end, so that buckets of several documents pool in reports.
    rec.values["start"] = static_cast<double>(start);
    rec.values["end"] = static_cast<double>(start == 0 ? 2 : 2 * start);
    rec.values["tokens"] = 0;
    rec.values["mean_nll"] = 0;
    rec.values["logprob"] = 0;
    for (const PositionLoss& b : buckets) {
      if (b.start != start) continue;
      rec.values["tokens"] = static_cast<double>(b.tokens);
      rec.values["mean_nll"] = b.mean_nll;
      rec.values["logprob"] = -b.mean_nll * static_cast<double>(b.tokens);
    }
    rec.prompt = "[position-loss document " + std::to_string(doc) + ", " +
                 std::to_string(task.documents[doc].size()) + " bytes]";
  }
  return Status::Ok();
}

}  // namespace

std::vector<std::vector<const PlannedItem*>> GroupRecallUnits(
    const std::vector<const PlannedItem*>& items) {
  std::vector<std::vector<const PlannedItem*>> units;
  std::map<std::pair<const Task*, std::string>, size_t> unit_of;
  for (const PlannedItem* p : items) {
    if (p->task->kind != TaskKind::kRecall) {
      units.push_back({p});
      continue;
    }
    auto field = p->item->fields.find("unit");
    const std::string name = field == p->item->fields.end() ? p->item->id : field->second;
    auto [it, added] = unit_of.emplace(std::make_pair(p->task, name), units.size());
    if (added) units.emplace_back();
    units[it->second].push_back(p);
  }
  return units;
}

std::vector<ItemRecord> ExecuteRecallUnit(const std::vector<const PlannedItem*>& unit,
                                          adapters::ModelAdapter& model) {
  const Task& task = *unit.front()->task;
  const bool loss = task.recall && task.recall->position_loss();
  std::vector<ItemRecord> recs;
  for (const PlannedItem* p : unit) {
    ItemRecord rec;
    rec.suite = p->suite->id;
    rec.task = task.name;
    rec.item = p->item->id;
    rec.index = p->index;
    rec.kind = loss ? "position_loss" : "recall";
    rec.weight = p->item->weight;
    recs.push_back(std::move(rec));
  }
  const auto start = std::chrono::steady_clock::now();
  Status st = !task.recall ? Status::Internal("task '" + task.name + "' has no recall block")
              : loss       ? RunLossUnit(unit, model, &recs)
                           : RunProbeUnit(unit, model, &recs);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  for (ItemRecord& rec : recs) {
    rec.latency_ms = ms / static_cast<double>(recs.size());
    if (!st.ok()) {
      rec.error = st.ToString();
      rec.unsupported = st.code() == StatusCode::kUnsupported;
      rec.values.clear();
    }
  }
  return recs;
}

}  // namespace rwkv::harness
