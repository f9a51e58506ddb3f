#include "rwkv/train/trainer.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "rwkv/train/rwkv7_backprop.h"

namespace rwkv::train {

namespace {

constexpr char kCheckpointMagic[8] = {'R', 'W', 'K', 'V', '7', 'T', 'R', 'N'};
constexpr uint32_t kCheckpointVersion = 1;

std::vector<int32_t> ShapeFields(const Rwkv7Shape& s) {
  return {s.n_layer, s.n_embd, s.head_size, s.n_vocab, s.n_ffn,
          s.w_lora,  s.a_lora, s.v_lora,    s.g_lora};
}

}  // namespace

Trainer::Trainer(const TrainOptions& options, std::vector<int32_t> data, std::vector<size_t> starts)
    : options_(options),
      data_(std::move(data)),
      starts_(std::move(starts)),
      params_(InitRwkv7(options.shape, options.seed)),
      optimizer_(options.shape, options.adam),
      sampler_(options.seed ^ 0x9e3779b97f4a7c15ULL) {}

StatusOr<Trainer> Trainer::Create(const TrainOptions& options, std::vector<int32_t> data,
                                  std::vector<size_t> starts) {
  RETURN_IF_ERROR(options.shape.Validate());
  if (options.batch < 1 || options.ctx < 1 || options.steps < 0 || options.warmup < 0) {
    return Status::InvalidArgument("training: batch and ctx must be positive, steps >= 0");
  }
  if (data.size() < static_cast<size_t>(options.ctx) + 1) {
    return Status::InvalidArgument("training data has " + std::to_string(data.size()) +
                                   " tokens; ctx " + std::to_string(options.ctx) +
                                   " needs at least " + std::to_string(options.ctx + 1));
  }
  for (size_t i = 0; i < data.size(); ++i) {
    if (data[i] < 0 || data[i] >= options.shape.n_vocab) {
      return Status::InvalidArgument(
          "training data token " + std::to_string(data[i]) + " at position " + std::to_string(i) +
          " is outside the vocabulary [0, " + std::to_string(options.shape.n_vocab) + ")");
    }
  }
  for (size_t s : starts) {
    if (s + static_cast<size_t>(options.ctx) + 1 > data.size()) {
      return Status::InvalidArgument("training window start " + std::to_string(s) +
                                     " leaves fewer than ctx + 1 tokens of data");
    }
  }
  return Trainer(options, std::move(data), std::move(starts));
}

StepStats Trainer::Step() {
  const int B = options_.batch, T = options_.ctx;
  std::vector<int32_t> tokens(static_cast<size_t>(B) * T), targets(tokens.size());
  const uint64_t span = data_.size() - static_cast<size_t>(T);  // offsets 0 .. size - T - 1
  for (int b = 0; b < B; ++b) {
    const size_t start = starts_.empty() ? static_cast<size_t>(sampler_() % span)
                                         : starts_[sampler_() % starts_.size()];
    for (int t = 0; t < T; ++t) {
      tokens[static_cast<size_t>(b) * T + t] = data_[start + t];
      targets[static_cast<size_t>(b) * T + t] = data_[start + t + 1];
    }
  }
  Rwkv7Params<float> grad;
  StepStats s;
  s.loss = Rwkv7LossAndGrad(params_, tokens.data(), targets.data(), B, T, &grad);
  s.grad_norm = ClipGradNorm(&grad, options_.grad_clip);
  s.lr = LearningRate(optimizer_.steps(), options_.warmup, options_.steps, options_.lr,
                      options_.lr_final);
  optimizer_.Step(&params_, grad, s.lr);
  s.step = optimizer_.steps();
  return s;
}

Status Trainer::SaveCheckpoint(const std::string& path) const {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) return Status::IOError("cannot write checkpoint " + tmp);
    f.write(kCheckpointMagic, sizeof(kCheckpointMagic));
    f.write(reinterpret_cast<const char*>(&kCheckpointVersion), sizeof(kCheckpointVersion));
    for (int32_t v : ShapeFields(options_.shape)) f.write(reinterpret_cast<const char*>(&v), 4);
    const int64_t step = optimizer_.steps();
    f.write(reinterpret_cast<const char*>(&step), sizeof(step));
    std::ostringstream rng;
    rng << sampler_;
    const std::string rs = rng.str();
    const uint64_t rn = rs.size();
    f.write(reinterpret_cast<const char*>(&rn), sizeof(rn));
    f.write(rs.data(), static_cast<std::streamsize>(rs.size()));
    auto write_all = [&](const Rwkv7Params<float>& p) {
      p.ForEach([&](const std::string&, const std::vector<int64_t>&, const float* d, size_t c) {
        f.write(reinterpret_cast<const char*>(d), static_cast<std::streamsize>(c * 4));
      });
    };
    write_all(params_);
    write_all(const_cast<AdamW&>(optimizer_).m());
    write_all(const_cast<AdamW&>(optimizer_).v());
    if (!f.flush()) return Status::IOError("writing checkpoint " + tmp + " failed");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::IOError("cannot rename " + tmp + " to " + path);
  }
  return Status::Ok();
}

Status Trainer::LoadCheckpoint(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Status::NotFound("cannot open checkpoint " + path);
  char magic[8];
  uint32_t version = 0;
  f.read(magic, 8);
  f.read(reinterpret_cast<char*>(&version), 4);
  if (!f || std::string(magic, 8) != std::string(kCheckpointMagic, 8) ||
      version != kCheckpointVersion) {
    return Status::Corruption(path + ": not an RWKV-7 training checkpoint (version 1)");
  }
  for (int32_t want : ShapeFields(options_.shape)) {
    int32_t got = 0;
    f.read(reinterpret_cast<char*>(&got), 4);
    if (!f || got != want) {
      return Status::InvalidArgument(path + ": checkpoint shape differs from the configured one");
    }
  }
  int64_t step = 0;
  uint64_t rn = 0;
  f.read(reinterpret_cast<char*>(&step), 8);
  f.read(reinterpret_cast<char*>(&rn), 8);
  if (!f || rn > (1u << 20)) return Status::Corruption(path + ": truncated checkpoint header");
  std::string rs(rn, '\0');
  f.read(rs.data(), static_cast<std::streamsize>(rn));
  std::istringstream rng(rs);
  std::mt19937_64 sampler;
  rng >> sampler;
  if (!f || !rng) return Status::Corruption(path + ": bad sampler state");
  Rwkv7Params<float> p = Rwkv7Params<float>::Zeros(options_.shape);
  Rwkv7Params<float> m = p, v = p;
  bool ok = true;
  auto read_all = [&](Rwkv7Params<float>* q) {
    q->ForEach([&](const std::string&, const std::vector<int64_t>&, float* d, size_t c) {
      if (ok && !f.read(reinterpret_cast<char*>(d), static_cast<std::streamsize>(c * 4))) {
        ok = false;
      }
    });
  };
  read_all(&p);
  read_all(&m);
  read_all(&v);
  if (!ok) return Status::Corruption(path + ": truncated checkpoint tensors");
  params_ = std::move(p);
  optimizer_.m() = std::move(m);
  optimizer_.v() = std::move(v);
  optimizer_.set_steps(step);
  sampler_ = sampler;
  return Status::Ok();
}

}  // namespace rwkv::train
