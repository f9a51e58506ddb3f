#include "rwkv/reports/decay_curves.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <utility>

#include "rwkv/harness/stats.h"

namespace rwkv::reports {

namespace {

using harness::ItemRecord;

double ValueOr(const ItemRecord& r, const char* key, double fallback) {
  auto it = r.values.find(key);
  return it == r.values.end() ? fallback : it->second;
}

bool Has(const ItemRecord& r, const char* key) { return r.values.count(key) > 0; }

// Records grouped by suite/task in first-seen order.
template <typename Filter>
std::vector<std::vector<const ItemRecord*>> GroupByTask(const std::vector<ItemRecord>& records,
                                                        Filter keep) {
  std::vector<std::vector<const ItemRecord*>> groups;
  std::map<std::pair<std::string, std::string>, size_t> group_of;
  for (const ItemRecord& r : records) {
    if (!r.error.empty() || !keep(r)) continue;
    auto [it, inserted] = group_of.emplace(std::make_pair(r.suite, r.task), groups.size());
    if (inserted) groups.emplace_back();
    groups[it->second].push_back(&r);
  }
  return groups;
}

DecayCurve RecallCurve(const std::vector<const ItemRecord*>& records) {
  DecayCurve curve;
  curve.suite = records.front()->suite;
  curve.task = records.front()->task;
  struct Acc {
    int n = 0, n_logprob = 0;
    double correct = 0, distance = 0, lp = 0, lp2 = 0;
  };
  std::map<double, Acc> by_target;
  for (const ItemRecord* r : records) {
    Acc& a = by_target[ValueOr(*r, "target", 0)];
    ++a.n;
    a.correct += ValueOr(*r, "correct", 0) >= 0.5 ? 1 : 0;
    a.distance += ValueOr(*r, "distance", ValueOr(*r, "target", 0));
    if (Has(*r, "answer_logprob")) {
      const double lp = r->values.at("answer_logprob");
      ++a.n_logprob;
      a.lp += lp;
      a.lp2 += lp * lp;
    }
  }
  for (const auto& [target, a] : by_target) {
    DecayPoint p;
    p.target = target;
    p.n = a.n;
    p.correct = a.correct;
    p.mean_distance = a.distance / a.n;
    p.accuracy = a.correct / a.n;
    const harness::Interval ci = harness::WilsonInterval(a.correct, a.n);
    p.acc_low = ci.low;
    p.acc_high = ci.high;
    if (a.n_logprob > 0) {
      p.has_logprob = true;
      const double m = a.lp / a.n_logprob;
      const double var =
          a.n_logprob > 1 ? std::max(0.0, (a.lp2 - a.n_logprob * m * m) / (a.n_logprob - 1)) : 0;
      const double half = 1.959963984540054 * std::sqrt(var / a.n_logprob);
      p.mean_logprob = m;
      p.logprob_low = m - half;
      p.logprob_high = m + half;
    }
    curve.points.push_back(p);
  }
  if (!curve.points.empty()) {
    curve.half_distance = CrossingDistance(curve.points, curve.points.front().accuracy / 2);
    curve.fifty_distance = CrossingDistance(curve.points, 0.5);
  }
  return curve;
}

NeedleHeatmap Heatmap(const std::vector<const ItemRecord*>& records) {
  NeedleHeatmap h;
  h.suite = records.front()->suite;
  h.task = records.front()->task;
  std::map<std::pair<double, double>, std::pair<int, double>> cells;  // (length, depth) → n, ok
  std::set<double> lengths, depths;
  for (const ItemRecord* r : records) {
    const double length = ValueOr(*r, "length", ValueOr(*r, "target", 0));
    const double depth = ValueOr(*r, "depth", 0);
    lengths.insert(length);
    depths.insert(depth);
    auto& c = cells[{length, depth}];
    ++c.first;
    c.second += ValueOr(*r, "correct", 0) >= 0.5 ? 1 : 0;
  }
  h.lengths.assign(lengths.begin(), lengths.end());
  h.depths.assign(depths.begin(), depths.end());
  for (const auto& [key, c] : cells) {
    h.cells.push_back({key.first, key.second, c.first, c.second / c.first});
  }
  return h;
}

PositionLossCurve LossCurve(const std::vector<const ItemRecord*>& records) {
  PositionLossCurve curve;
  curve.suite = records.front()->suite;
  curve.task = records.front()->task;
  std::map<std::pair<double, double>, std::pair<double, double>> buckets;  // → tokens, Σ nll
  for (const ItemRecord* r : records) {
    const double tokens = ValueOr(*r, "tokens", 0);
    auto& b = buckets[{ValueOr(*r, "start", 0), ValueOr(*r, "end", 0)}];
    b.first += tokens;
    b.second += tokens * ValueOr(*r, "mean_nll", 0);
  }
  for (const auto& [range, b] : buckets) {
    if (b.first <= 0) continue;
    curve.points.push_back({range.first, range.second, b.first, b.second / b.first});
  }
  return curve;
}

bool IsNeedle(const std::vector<const ItemRecord*>& records) {
  if (records.front()->task.find("needle") != std::string::npos) return true;
  for (const ItemRecord* r : records) {
    if (Has(*r, "depth")) return true;
  }
  return false;
}

}  // namespace

std::optional<double> CrossingDistance(const std::vector<DecayPoint>& points, double level) {
  for (size_t i = 0; i < points.size(); ++i) {
    if (points[i].accuracy > level) continue;
    if (i == 0) return std::nullopt;
    const DecayPoint& p0 = points[i - 1];
    const DecayPoint& p1 = points[i];
    if (p0.target <= 0 || p1.target <= 0) return p1.target;
    const double t = (p0.accuracy - level) / (p0.accuracy - p1.accuracy);
    return std::exp(std::log(p0.target) + t * (std::log(p1.target) - std::log(p0.target)));
  }
  return std::nullopt;
}

DecayCurves ComputeDecayCurves(const std::vector<ItemRecord>& records) {
  DecayCurves out;
  for (const auto& group :
       GroupByTask(records, [](const ItemRecord& r) { return r.kind == "recall"; })) {
    out.recall.push_back(RecallCurve(group));
    if (IsNeedle(group)) out.heatmaps.push_back(Heatmap(group));
  }
  for (const auto& group :
       GroupByTask(records, [](const ItemRecord& r) { return r.kind == "position_loss"; })) {
    out.position_loss.push_back(LossCurve(group));
  }
  return out;
}

}  // namespace rwkv::reports
