#include "svg_charts.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

#include "rwkv/reports/escape.h"

namespace rwkv::reports {

namespace {

constexpr double kWidth = 560, kHeight = 300, kLeft = 60, kRight = 150, kTop = 30, kBottom = 45;

std::string F(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string Tick(double v) {
  if (std::fabs(v) >= 1000 && std::fabs(v) < 1e7 && v == std::floor(v)) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  return FormatNumber(v, 3);
}

std::string Header(double w, double h, const std::string& title) {
  std::ostringstream s;
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"" << F(w)
    << "\" height=\"" << F(h) << "\" viewBox=\"0 0 " << F(w) << " " << F(h)
    << "\" role=\"img\"><title>" << HtmlEscape(title) << "</title>"
    << "<text x=\"" << F(w / 2) << "\" y=\"18\" text-anchor=\"middle\" class=\"ct\">"
    << HtmlEscape(title) << "</text>";
  return s.str();
}

std::string Legend(const std::vector<std::string>& names, double x, double y) {
  std::ostringstream s;
  for (size_t i = 0; i < names.size(); ++i) {
    const double yy = y + 18.0 * i;
    s << "<rect x=\"" << F(x) << "\" y=\"" << F(yy - 9) << "\" width=\"10\" height=\"10\" fill=\""
      << SeriesColor(i) << "\"/><text x=\"" << F(x + 14) << "\" y=\"" << F(yy) << "\">"
      << HtmlEscape(names[i].size() > 22 ? names[i].substr(0, 20) + "…" : names[i]) << "</text>";
  }
  return s.str();
}

// "Nice" ticks covering [lo, hi].
std::vector<double> LinearTicks(double lo, double hi) {
  const double span = hi - lo;
  const double raw = span / 5;
  const double mag = std::pow(10, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * mag;
    if (span / step <= 6) break;
  }
  std::vector<double> t;
  for (double v = std::ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) t.push_back(v);
  return t;
}

}  // namespace

const char* SeriesColor(size_t i) {
  static const char* const kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                         "#9467bd", "#8c564b", "#e377c2", "#17becf"};
  return kPalette[i % (sizeof kPalette / sizeof kPalette[0])];
}

std::string LineChartSvg(const LineChartSpec& spec) {
  double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo;
  double y_lo = x_lo, y_hi = -x_lo;
  for (const ChartSeries& s : spec.series) {
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.y[i]) || (spec.log_x && s.x[i] <= 0)) continue;
      x_lo = std::min(x_lo, s.x[i]);
      x_hi = std::max(x_hi, s.x[i]);
      y_lo = std::min(y_lo, s.low.empty() ? s.y[i] : s.low[i]);
      y_hi = std::max(y_hi, s.high.empty() ? s.y[i] : s.high[i]);
    }
  }
  std::ostringstream s;
  s << Header(kWidth, kHeight, spec.title);
  if (!(x_lo <= x_hi)) return s.str() + "<text x=\"60\" y=\"60\">no data</text></svg>";
  if (spec.fixed_y) {
    y_lo = spec.y_min;
    y_hi = spec.y_max;
  }
  if (y_hi - y_lo < 1e-12) {
    y_lo -= 0.5;
    y_hi += 0.5;
  }
  auto tx = [&](double v) { return spec.log_x ? std::log10(v) : v; };
  double a = tx(x_lo), b = tx(x_hi);
  if (b - a < 1e-12) {
    a -= 0.5;
    b += 0.5;
  }
  const double pw = kWidth - kLeft - kRight, ph = kHeight - kTop - kBottom;
  auto px = [&](double v) { return kLeft + (tx(v) - a) / (b - a) * pw; };
  auto py = [&](double v) { return kTop + (1 - (v - y_lo) / (y_hi - y_lo)) * ph; };
  // Axes and ticks.
  s << "<g class=\"axis\"><line x1=\"" << F(kLeft) << "\" y1=\"" << F(kTop + ph) << "\" x2=\""
    << F(kLeft + pw) << "\" y2=\"" << F(kTop + ph) << "\"/><line x1=\"" << F(kLeft) << "\" y1=\""
    << F(kTop) << "\" x2=\"" << F(kLeft) << "\" y2=\"" << F(kTop + ph) << "\"/>";
  for (double v : LinearTicks(y_lo, y_hi)) {
    s << "<line class=\"grid\" x1=\"" << F(kLeft) << "\" x2=\"" << F(kLeft + pw) << "\" y1=\""
      << F(py(v)) << "\" y2=\"" << F(py(v)) << "\"/><text x=\"" << F(kLeft - 4) << "\" y=\""
      << F(py(v) + 4) << "\" text-anchor=\"end\">" << Tick(v) << "</text>";
  }
  std::vector<double> xt;
  if (spec.log_x) {
    for (double e = std::floor(a); e <= std::ceil(b); e += 1) {
      if (e >= a - 1e-9 && e <= b + 1e-9) xt.push_back(std::pow(10, e));
    }
    if (xt.size() < 2) {
      xt.insert(xt.begin(), x_lo);
      xt.push_back(x_hi);
    }
  } else {
    xt = LinearTicks(x_lo, x_hi);
  }
  for (double v : xt) {
    s << "<text x=\"" << F(px(v)) << "\" y=\"" << F(kTop + ph + 16) << "\" text-anchor=\"middle\">"
      << Tick(v) << "</text>";
  }
  s << "<text x=\"" << F(kLeft + pw / 2) << "\" y=\"" << F(kHeight - 6)
    << "\" text-anchor=\"middle\">" << HtmlEscape(spec.x_label) << "</text>"
    << "<text transform=\"translate(14," << F(kTop + ph / 2)
    << ") rotate(-90)\" text-anchor=\"middle\">" << HtmlEscape(spec.y_label) << "</text></g>";
  for (const auto& [x, label] : spec.x_markers) {
    if (!(x > 0) && spec.log_x) continue;
    if (x < x_lo || x > x_hi) continue;
    s << "<line class=\"marker\" x1=\"" << F(px(x)) << "\" x2=\"" << F(px(x)) << "\" y1=\""
      << F(kTop) << "\" y2=\"" << F(kTop + ph) << "\"/><text class=\"mk\" x=\"" << F(px(x) + 3)
      << "\" y=\"" << F(kTop + 10) << "\">" << HtmlEscape(label) << "</text>";
  }
  std::vector<std::string> names;
  for (size_t k = 0; k < spec.series.size(); ++k) {
    const ChartSeries& c = spec.series[k];
    names.push_back(c.name);
    const char* color = SeriesColor(k);
    std::string path;
    for (size_t i = 0; i < c.x.size(); ++i) {
      if (!std::isfinite(c.y[i]) || (spec.log_x && c.x[i] <= 0)) continue;
      path += (path.empty() ? "M" : " L") + F(px(c.x[i])) + " " + F(py(c.y[i]));
    }
    s << "<path d=\"" << path << "\" fill=\"none\" stroke=\"" << color << "\" stroke-width=\"2\"/>";
    for (size_t i = 0; i < c.x.size(); ++i) {
      if (!std::isfinite(c.y[i]) || (spec.log_x && c.x[i] <= 0)) continue;
      const double x = px(c.x[i]);
      if (!c.low.empty()) {
        s << "<line x1=\"" << F(x) << "\" x2=\"" << F(x) << "\" y1=\"" << F(py(c.low[i]))
          << "\" y2=\"" << F(py(c.high[i])) << "\" stroke=\"" << color << "\"/>";
      }
      s << "<circle cx=\"" << F(x) << "\" cy=\"" << F(py(c.y[i])) << "\" r=\"3\" fill=\"" << color
        << "\"><title>" << HtmlEscape(c.name) << ": x=" << Tick(c.x[i])
        << ", y=" << FormatNumber(c.y[i], 4) << "</title></circle>";
    }
  }
  s << Legend(names, kWidth - kRight + 12, kTop + 10) << "</svg>";
  return s.str();
}

std::string BarChartSvg(const std::string& title, const std::vector<std::string>& series,
                        const std::vector<BarGroup>& groups) {
  const double row = 12.0 * std::max<size_t>(1, series.size()) + 10;
  const double label_w = 200, plot_w = 320;
  const double h = kTop + row * groups.size() + 30;
  const double w = label_w + plot_w + kRight;
  std::ostringstream s;
  s << Header(w, h, title);
  auto px = [&](double v) { return label_w + std::clamp(v, 0.0, 1.0) * plot_w; };
  for (double v : {0.0, 0.25, 0.5, 0.75, 1.0}) {
    s << "<line class=\"grid\" x1=\"" << F(px(v)) << "\" x2=\"" << F(px(v)) << "\" y1=\"" << F(kTop)
      << "\" y2=\"" << F(h - 24) << "\"/><text x=\"" << F(px(v)) << "\" y=\"" << F(h - 10)
      << "\" text-anchor=\"middle\">" << Tick(v) << "</text>";
  }
  for (size_t g = 0; g < groups.size(); ++g) {
    const BarGroup& bg = groups[g];
    const double y0 = kTop + row * g;
    std::string label = bg.label.size() > 32 ? bg.label.substr(0, 30) + "…" : bg.label;
    s << "<text x=\"" << F(label_w - 6) << "\" y=\"" << F(y0 + row / 2 + 2)
      << "\" text-anchor=\"end\">" << HtmlEscape(label) << "</text>";
    for (size_t k = 0; k < bg.value.size(); ++k) {
      if (!std::isfinite(bg.value[k])) continue;
      const double y = y0 + 4 + 12.0 * k;
      s << "<rect x=\"" << F(label_w) << "\" y=\"" << F(y) << "\" width=\""
        << F(px(bg.value[k]) - label_w) << "\" height=\"10\" fill=\"" << SeriesColor(k)
        << "\"><title>" << HtmlEscape(series[k] + " " + bg.label) << ": "
        << FormatNumber(bg.value[k], 4) << " [" << FormatNumber(bg.low[k], 4) << ", "
        << FormatNumber(bg.high[k], 4) << "]</title></rect><line x1=\"" << F(px(bg.low[k]))
        << "\" x2=\"" << F(px(bg.high[k])) << "\" y1=\"" << F(y + 5) << "\" y2=\"" << F(y + 5)
        << "\" stroke=\"#000\"/>";
    }
  }
  s << Legend(series, label_w + plot_w + 12, kTop + 10) << "</svg>";
  return s.str();
}

std::string HeatmapSvg(const std::string& title, const NeedleHeatmap& map) {
  const double cell_w = std::max(36.0, 360.0 / std::max<size_t>(1, map.lengths.size()));
  const double cell_h = 24, left = 70, top = kTop + 4;
  const double w = left + cell_w * map.lengths.size() + 20;
  const double h = top + cell_h * map.depths.size() + 40;
  std::ostringstream s;
  s << Header(std::max(w, 260.0), h, title);
  auto col = [&](double length) {
    return std::lower_bound(map.lengths.begin(), map.lengths.end(), length) - map.lengths.begin();
  };
  auto row = [&](double depth) {
    return std::lower_bound(map.depths.begin(), map.depths.end(), depth) - map.depths.begin();
  };
  for (const HeatCell& c : map.cells) {
    const double x = left + cell_w * col(c.length), y = top + cell_h * row(c.depth);
    const int red = static_cast<int>(std::lround(220 * (1 - c.accuracy) + 30));
    const int green = static_cast<int>(std::lround(180 * c.accuracy + 50));
    s << "<rect x=\"" << F(x) << "\" y=\"" << F(y) << "\" width=\"" << F(cell_w - 1)
      << "\" height=\"" << F(cell_h - 1) << "\" fill=\"rgb(" << red << "," << green
      << ",70)\"><title>length " << Tick(c.length) << ", depth " << FormatNumber(c.depth, 3) << ": "
      << FormatNumber(c.accuracy, 3) << " (n=" << c.n << ")</title></rect><text x=\""
      << F(x + cell_w / 2) << "\" y=\"" << F(y + cell_h / 2 + 4)
      << "\" text-anchor=\"middle\" class=\"hv\">" << FormatNumber(c.accuracy, 2) << "</text>";
  }
  // Depths are fractions (0–1) unless the grid is given in percent.
  const double percent = !map.depths.empty() && map.depths.back() > 1 ? 1 : 100;
  for (size_t i = 0; i < map.depths.size(); ++i) {
    s << "<text x=\"" << F(left - 4) << "\" y=\"" << F(top + cell_h * i + cell_h / 2 + 4)
      << "\" text-anchor=\"end\">" << FormatNumber(map.depths[i] * percent, 3) << "%</text>";
  }
  for (size_t i = 0; i < map.lengths.size(); ++i) {
    s << "<text x=\"" << F(left + cell_w * i + cell_w / 2) << "\" y=\""
      << F(top + cell_h * map.depths.size() + 14) << "\" text-anchor=\"middle\">"
      << Tick(map.lengths[i]) << "</text>";
  }
  s << "<text x=\"" << F(left) << "\" y=\"" << F(h - 6) << "\">context length (tokens) × needle "
    << "depth</text></svg>";
  return s.str();
}

}  // namespace rwkv::reports
