#include "rwkv/reports/comparison.h"

#include <cmath>
#include <map>
#include <unordered_map>

#include "rwkv/harness/prompt.h"
#include "rwkv/reports/paired_tests.h"
#include "rwkv/reports/report_model.h"

namespace rwkv::reports {

namespace {

using harness::ItemRecord;
using harness::MetricResult;
using harness::TaskResult;

const TaskResult* Find(const harness::RunResults& r, const std::string& suite,
                       const std::string& task) {
  for (const TaskResult& t : r.tasks) {
    if (t.suite == suite && t.task == task) return &t;
  }
  return nullptr;
}

// The scored records of suite/task present in both runs, paired by item id.
void PairItems(const std::vector<ItemRecord>& a_items, const std::vector<ItemRecord>& b_items,
               const std::string& suite, const std::string& task, std::vector<const ItemRecord*>* a,
               std::vector<const ItemRecord*>* b) {
  std::unordered_map<std::string, const ItemRecord*> b_of;
  for (const ItemRecord& r : b_items) {
    if (r.suite == suite && r.task == task && r.error.empty()) b_of[r.item] = &r;
  }
  for (const ItemRecord& r : a_items) {
    if (r.suite != suite || r.task != task || !r.error.empty()) continue;
    auto it = b_of.find(r.item);
    if (it == b_of.end()) continue;
    a->push_back(&r);
    b->push_back(it->second);
  }
}

void FillPaired(const MetricResult& m, const std::vector<const ItemRecord*>& a,
                const std::vector<const ItemRecord*>& b, uint64_t seed, MetricComparison* c) {
  c->n_paired = static_cast<int>(a.size());
  if (a.empty()) return;
  const PairedEstimate est = PairedBootstrap(m.def, a, b, seed);
  c->diff = est.diff;
  c->diff_low = est.interval.low;
  c->diff_high = est.interval.high;
  if (!c->proportion) {
    c->p_value = est.p_value;
    c->test = "paired_bootstrap";
    return;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    const bool sa = Solved(*a[i], m.def.key) == 1, sb = Solved(*b[i], m.def.key) == 1;
    if (sa && sb)
      ++c->both;
    else if (sa)
      ++c->only_a;
    else if (sb)
      ++c->only_b;
    else
      ++c->neither;
  }
  c->p_value = McNemarExactP(c->only_a, c->only_b);
  c->test = "mcnemar_exact";
}

}  // namespace

std::vector<MetricComparison> CompareRuns(const std::string& name_a, const harness::RunResults& a,
                                          const std::vector<ItemRecord>& a_items,
                                          const std::string& name_b, const harness::RunResults& b,
                                          const std::vector<ItemRecord>& b_items, uint64_t seed) {
  // Task order: a's tasks, then b's tasks a lacks.
  std::vector<std::pair<std::string, std::string>> order;
  for (const TaskResult& t : a.tasks) order.emplace_back(t.suite, t.task);
  for (const TaskResult& t : b.tasks) {
    if (!Find(a, t.suite, t.task)) order.emplace_back(t.suite, t.task);
  }
  std::vector<MetricComparison> out;
  for (const auto& [suite, task] : order) {
    const TaskResult* ta = Find(a, suite, task);
    const TaskResult* tb = Find(b, suite, task);
    std::vector<const ItemRecord*> pa, pb;
    PairItems(a_items, b_items, suite, task, &pa, &pb);
    std::vector<std::string> metrics;
    for (const TaskResult* t : {ta, tb}) {
      if (!t) continue;
      for (const MetricResult& m : t->metrics) {
        bool seen = false;
        for (const auto& n : metrics) seen = seen || n == m.def.name;
        if (!seen) metrics.push_back(m.def.name);
      }
    }
    for (const std::string& name : metrics) {
      MetricComparison c;
      c.run_a = name_a;
      c.run_b = name_b;
      c.suite = suite;
      c.task = task;
      c.metric = name;
      const MetricResult* ma = ta ? ta->Find(name) : nullptr;
      const MetricResult* mb = tb ? tb->Find(name) : nullptr;
      c.has_a = ma != nullptr;
      c.has_b = mb != nullptr;
      if (ma) c.value_a = ma->value;
      if (mb) c.value_b = mb->value;
      const MetricResult* m = ma ? ma : mb;
      c.higher_is_better = m->def.higher_is_better;
      c.proportion = (!ma || ma->interval == "wilson") && (!mb || mb->interval == "wilson");
      if (ma && mb) {
        c.diff = c.value_b - c.value_a;
        FillPaired(*m, pa, pb, harness::StableHash(suite + "/" + task + "/" + name, seed), &c);
      }
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace rwkv::reports
