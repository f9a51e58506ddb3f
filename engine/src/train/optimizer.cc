#include "rwkv/train/optimizer.h"

#include <cmath>

namespace rwkv::train {

double LearningRate(int64_t step, int64_t warmup, int64_t total, double lr_max, double lr_min) {
  if (step < warmup) return lr_max * double(step + 1) / double(warmup);
  if (total <= warmup) return lr_max;
  const double p = std::min(1.0, double(step - warmup) / double(total - warmup));
  return lr_min + (lr_max - lr_min) * 0.5 * (1.0 + std::cos(M_PI * p));
}

double ClipGradNorm(Rwkv7Params<float>* grad, double max_norm) {
  double sq = 0.0;
  grad->ForEach([&](const std::string&, const std::vector<int64_t>&, const float* d, size_t c) {
    for (size_t i = 0; i < c; ++i) sq += double(d[i]) * d[i];
  });
  const double norm = std::sqrt(sq);
  if (max_norm > 0 && norm > max_norm) {
    const float scale = static_cast<float>(max_norm / norm);
    grad->ForEach([&](const std::string&, const std::vector<int64_t>&, float* d, size_t c) {
      for (size_t i = 0; i < c; ++i) d[i] *= scale;
    });
  }
  return norm;
}

AdamW::AdamW(const Rwkv7Shape& shape, AdamWOptions options)
    : options_(options),
      m_(Rwkv7Params<float>::Zeros(shape)),
      v_(Rwkv7Params<float>::Zeros(shape)) {}

void AdamW::Step(Rwkv7Params<float>* params, const Rwkv7Params<float>& grad, double lr) {
  ++t_;
  const double b1 = options_.beta1, b2 = options_.beta2;
  const double c1 = 1.0 - std::pow(b1, double(t_)), c2 = 1.0 - std::pow(b2, double(t_));
  std::vector<const float*> g;
  std::vector<float*> m, v;
  grad.ForEach([&](const std::string&, const std::vector<int64_t>&, const float* d, size_t) {
    g.push_back(d);
  });
  m_.ForEach(
      [&](const std::string&, const std::vector<int64_t>&, float* d, size_t) { m.push_back(d); });
  v_.ForEach(
      [&](const std::string&, const std::vector<int64_t>&, float* d, size_t) { v.push_back(d); });
  size_t k = 0;
  params->ForEach(
      [&](const std::string& name, const std::vector<int64_t>& shape, float* p, size_t c) {
        const bool decay = shape.size() == 2 && name != "emb.weight";
        const double wd = decay ? options_.weight_decay : 0.0;
        for (size_t i = 0; i < c; ++i) {
          const double gi = g[k][i];
          const double mi = b1 * m[k][i] + (1 - b1) * gi;
          const double vi = b2 * v[k][i] + (1 - b2) * gi * gi;
          m[k][i] = float(mi);
          v[k][i] = float(vi);
          const double upd = (mi / c1) / (std::sqrt(vi / c2) + options_.eps) + wd * p[i];
          p[i] = float(p[i] - lr * upd);
        }
        ++k;
      });
}

}  // namespace rwkv::train
