// Memory-decay curves from recall probe records (task kind "recall"):
//  - accuracy and mean answer log-prob against the target distance, with Wilson 95% intervals
//    for accuracy and a normal 95% interval (mean ± 1.96·sd/√n) for the log-prob;
//  - a length × depth accuracy grid for needle-in-a-haystack tasks;
//  - mean negative log-likelihood by token position (records of kind "position_loss").
// Records with an error are skipped. Thread-compatible pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rwkv/harness/results.h"

namespace rwkv::reports {

struct DecayPoint {
  double target = 0;         // grid distance in tokens (values["target"])
  double mean_distance = 0;  // mean measured distance (values["distance"])
  int n = 0;
  double correct = 0;  // number of correct trials
  double accuracy = 0, acc_low = 0, acc_high = 0;
  double mean_logprob = 0, logprob_low = 0, logprob_high = 0;
  bool has_logprob = false;
};

struct DecayCurve {
  std::string suite, task;
  std::vector<DecayPoint> points;  // increasing target
  // Distance where accuracy first falls to half its value at the shortest distance, and where
  // it first falls to 0.5 (log-linear interpolation; see CrossingDistance).
  std::optional<double> half_distance, fifty_distance;
};

struct HeatCell {
  double length = 0, depth = 0;
  int n = 0;
  double accuracy = 0;
};

struct NeedleHeatmap {
  std::string suite, task;
  std::vector<double> lengths, depths;  // sorted, distinct
  std::vector<HeatCell> cells;          // one per (length, depth) with data, row-major by length
};

struct PositionLossPoint {
  double start = 0, end = 0, tokens = 0, mean_nll = 0;
};

struct PositionLossCurve {
  std::string suite, task;
  std::vector<PositionLossPoint> points;  // increasing start; buckets of several items pooled,
                                          // weighted by tokens
};

struct DecayCurves {
  std::vector<DecayCurve> recall;
  std::vector<NeedleHeatmap> heatmaps;  // tasks named "*needle*" or whose records carry "depth"
  std::vector<PositionLossCurve> position_loss;
  bool empty() const { return recall.empty() && heatmaps.empty() && position_loss.empty(); }
};

// Groups the records by suite/task (in first-seen order) and computes every curve.
DecayCurves ComputeDecayCurves(const std::vector<harness::ItemRecord>& records);

// The distance at which the accuracy curve first falls to `level` or below, interpolating
// linearly in log(distance) between the last point above and the first point at or below:
//   x = exp(log x0 + (a0 − level) / (a0 − a1) · (log x1 − log x0)).
// nullopt if the first point is already at or below `level` or the curve never gets there.
std::optional<double> CrossingDistance(const std::vector<DecayPoint>& points, double level);

}  // namespace rwkv::reports
