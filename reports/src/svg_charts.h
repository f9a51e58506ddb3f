// Inline SVG charts for report.html. Every label is HTML-escaped; output is a standalone
// <svg> element with no external references.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "rwkv/reports/decay_curves.h"

namespace rwkv::reports {

// Colour of series i (a fixed palette, cycled).
const char* SeriesColor(size_t i);

struct ChartSeries {
  std::string name;
  std::vector<double> x, y, low, high;  // low/high empty: no error bars
};

struct LineChartSpec {
  std::string title, x_label, y_label;
  bool log_x = false;
  bool fixed_y = false;  // use y_min..y_max instead of the data's range
  double y_min = 0, y_max = 1;
  std::vector<ChartSeries> series;
  std::vector<std::pair<double, std::string>> x_markers;  // dashed vertical lines with labels
};
std::string LineChartSvg(const LineChartSpec& spec);

// Grouped bars in [0, 1] with 95% interval whiskers; values NaN are left out.
struct BarGroup {
  std::string label;
  std::vector<double> value, low, high;  // one per series
};
std::string BarChartSvg(const std::string& title, const std::vector<std::string>& series,
                        const std::vector<BarGroup>& groups);

// Length × depth accuracy grid, cells coloured from red (0) to green (1) with the value.
std::string HeatmapSvg(const std::string& title, const NeedleHeatmap& map);

}  // namespace rwkv::reports
