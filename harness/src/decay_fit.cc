#include "rwkv/harness/decay_fit.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace rwkv::harness {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double LogDistance(double d) { return std::log(std::max(1.0, d)); }

double Sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

// Penalized log-likelihood of the logistic model: Σ w [y z − ln(1 + e^z)] − λ (a² + b²) / 2.
double PenalizedLogLik(const std::vector<DecayObservation>& obs, double a, double b,
                       double lambda) {
  double ll = 0;
  for (const DecayObservation& o : obs) {
    if (o.weight <= 0) continue;
    const double z = a + b * LogDistance(o.distance);
    // ln(1 + e^z) without overflow
    const double softplus = z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z));
    ll += o.weight * (o.correct * z - softplus);
  }
  return ll - lambda * (a * a + b * b) / 2;
}

struct Group {
  double weight = 0, correct = 0, distance = 0, prob = 0, prob_weight = 0;
};

// Observations pooled by grid distance (increasing).
std::map<double, Group> ByTarget(const std::vector<DecayObservation>& obs) {
  std::map<double, Group> groups;
  for (const DecayObservation& o : obs) {
    if (o.weight <= 0) continue;
    Group& g = groups[o.target];
    g.weight += o.weight;
    g.correct += o.weight * o.correct;
    g.distance += o.weight * o.distance;
    if (!std::isnan(o.logprob)) {
      g.prob += o.weight * std::exp(o.logprob);
      g.prob_weight += o.weight;
    }
  }
  return groups;
}

}  // namespace

// Newton–Raphson on the penalized log-likelihood, halving the step until it does not decrease:
//   g = Σ w (y − p) [1, x] − λ β,   H = Σ w p (1 − p) [1 x; x x²] + λ I,   β ← β + H⁻¹ g.
LogisticFit FitLogisticInLogDistance(const std::vector<DecayObservation>& obs) {
  LogisticFit fit;
  double total = 0;
  for (const DecayObservation& o : obs) total += std::max(0.0, o.weight);
  if (total <= 0) return fit;
  const double lambda = 1e-8 * total;
  double a = 0, b = 0;
  double ll = PenalizedLogLik(obs, a, b, lambda);
  for (int iter = 0; iter < 200; ++iter) {
    double ga = -lambda * a, gb = -lambda * b;
    double haa = lambda, hab = 0, hbb = lambda;
    for (const DecayObservation& o : obs) {
      if (o.weight <= 0) continue;
      const double x = LogDistance(o.distance);
      const double p = Sigmoid(a + b * x);
      const double r = o.weight * (o.correct - p);
      const double v = o.weight * p * (1 - p);
      ga += r;
      gb += r * x;
      haa += v;
      hab += v * x;
      hbb += v * x * x;
    }
    const double det = haa * hbb - hab * hab;
    if (!(det > 0)) break;
    double da = (hbb * ga - hab * gb) / det;
    double db = (haa * gb - hab * ga) / det;
    double step = 1.0, next = ll;
    for (int halving = 0; halving < 40; ++halving) {
      next = PenalizedLogLik(obs, a + step * da, b + step * db, lambda);
      if (next >= ll) break;
      step /= 2;
    }
    if (next < ll) break;
    a += step * da;
    b += step * db;
    const bool small = std::abs(step * da) < 1e-10 * (1 + std::abs(a)) &&
                       std::abs(step * db) < 1e-10 * (1 + std::abs(b));
    ll = next;
    if (small) {
      fit.converged = true;
      break;
    }
  }
  fit.a = a;
  fit.b = b;
  return fit;
}

double DecayDistance(const std::vector<DecayObservation>& obs, double level) {
  double successes = 0, x_min = std::numeric_limits<double>::infinity(), x_max = -x_min;
  for (const DecayObservation& o : obs) {
    if (o.weight <= 0) continue;
    successes += o.weight * o.correct;
    x_min = std::min(x_min, LogDistance(o.distance));
    x_max = std::max(x_max, LogDistance(o.distance));
  }
  if (!(successes > 0) || !(level > 0 && level < 1)) return kNaN;
  const LogisticFit fit = FitLogisticInLogDistance(obs);
  if (!(fit.b < 0)) return kNaN;
  const double target = level * Sigmoid(fit.a + fit.b * x_min);
  const double x = (std::log(target / (1 - target)) - fit.a) / fit.b;
  if (!(x <= x_max + 1e-12)) return kNaN;
  return std::exp(std::max(x, x_min));
}

double AnswerHalfLife(const std::vector<DecayObservation>& obs) {
  // Weighted least squares of y = ln p̄ on x = d̄.
  double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  int points = 0;
  for (const auto& [target, g] : ByTarget(obs)) {
    if (g.prob_weight <= 0 || !(g.prob > 0)) continue;
    const double x = g.distance / g.weight;
    const double y = std::log(g.prob / g.prob_weight);
    const double w = g.prob_weight;
    sw += w;
    sx += w * x;
    sy += w * y;
    sxx += w * x * x;
    sxy += w * x * y;
    ++points;
  }
  if (points < 2) return kNaN;
  const double den = sw * sxx - sx * sx;
  if (!(den > 0)) return kNaN;
  const double slope = (sw * sxy - sx * sy) / den;
  if (!(slope < 0)) return kNaN;
  return std::log(2.0) / -slope;
}

double EffectiveLength(const std::vector<DecayObservation>& obs, double threshold) {
  double length = 0;
  for (const auto& [target, g] : ByTarget(obs)) {
    if (g.correct / g.weight < threshold) break;
    length = target;
  }
  return length;
}

}  // namespace rwkv::harness
