// Summary numbers of a memory-decay curve (recall probes): where accuracy falls, how fast the
// answer's probability halves, and the RULER-style effective length. Pure functions over
// weighted observations (one per scored checkpoint); thread-compatible.
//
// "Not reached" is NaN: the accuracy never falls that far within the measured distances, or
// the data shows no decay at all.
#pragma once

#include <vector>

namespace rwkv::harness {

// One scored checkpoint.
struct DecayObservation {
  double target = 0;    // grid distance (groups checkpoints)
  double distance = 0;  // measured distance in tokens
  double correct = 0;   // 1 or 0
  double logprob = 0;   // log-probability of the answer; NaN when the model gave none
  double weight = 1;    // multiplicity (bootstrap counts × item weight); 0 = left out
};

// Accuracy against log distance: P(correct | d) = 1 / (1 + exp(−(a + b·ln d))), d clamped to
// at least 1. Maximum likelihood by Newton's method (IRLS) with a tiny ridge term
// (1e-8 · Σ weight · (a² + b²) / 2) so that perfectly separated data still has a finite fit.
struct LogisticFit {
  double a = 0, b = 0;
  bool converged = false;
};
LogisticFit FitLogisticInLogDistance(const std::vector<DecayObservation>& obs);

// The distance where the fitted accuracy falls to `level` × its value at the shortest measured
// distance: d = exp((logit(level · p0) − a) / b), p0 = P(correct | shortest distance).
// NaN when no checkpoint was correct, b >= 0, or d lies beyond the longest measured distance.
double DecayDistance(const std::vector<DecayObservation>& obs, double level);

// Half-life in tokens of the mean answer probability: with p̄_k the weighted mean of
// exp(logprob) at grid distance k and d̄_k the mean measured distance there, fits
// ln p̄_k = c + s·d̄_k by least squares weighted by the checkpoints per distance; the half-life
// is ln 2 / (−s). NaN with fewer than two distances with a probability, or s >= 0.
double AnswerHalfLife(const std::vector<DecayObservation>& obs);

// RULER's effective length: the largest grid distance such that the accuracy there and at
// every shorter grid distance is at least `threshold`. 0 when the shortest already falls short.
double EffectiveLength(const std::vector<DecayObservation>& obs, double threshold);

}  // namespace rwkv::harness
