#include "rwkv/state.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>

namespace rwkv {

namespace {
constexpr char kStateMagic[8] = {'R', 'W', 'K', 'V', 'S', 'T', 'A', 'T'};
constexpr uint32_t kStateVersion = 1;

struct Header {
  char magic[8];
  uint32_t version;
  uint32_t arch;
  int32_t n_layer, n_embd, n_head, head_size, n_vocab, reserved;
  uint64_t weights_hash;
  uint64_t count;
};
}  // namespace

State State::Initial(const Model& model) {
  const ModelConfig& c = model.config();
  State s;
  s.n_embd_ = c.n_embd;
  s.arch_ = c.arch;
  s.n_layer_ = c.n_layer;
  s.n_head_ = c.n_head;
  s.head_size_ = c.head_size;
  s.n_vocab_ = c.n_vocab;
  s.weights_hash_ = model.weights_hash();
  const size_t C = static_cast<size_t>(c.n_embd);
  const size_t wkv = c.arch == Arch::kV4
                         ? 3 * C
                         : static_cast<size_t>(c.n_head) * c.head_size * c.head_size;
  s.per_layer_ = 2 * C + wkv;
  s.data_.assign(s.per_layer_ * static_cast<size_t>(c.n_layer), 0.0f);
  for (int l = 0; l < c.n_layer; ++l) {
    float* w = s.wkv(l);
    if (c.arch == Arch::kV4) {
      std::fill(w + 2 * C, w + 3 * C, -1e30f);  // pp: log of the running maximum
    } else if (!model.layers()[static_cast<size_t>(l)].time_state.empty()) {
      const Vec& ts = model.layers()[static_cast<size_t>(l)].time_state;
      std::copy(ts.begin(), ts.end(), w);
    }
  }
  return s;
}

bool State::Matches(const Model& model) const {
  const ModelConfig& c = model.config();
  return arch_ == c.arch && n_layer_ == c.n_layer && n_embd_ == c.n_embd &&
         n_head_ == c.n_head && head_size_ == c.head_size && n_vocab_ == c.n_vocab &&
         weights_hash_ == model.weights_hash();
}

Status State::Save(const std::string& path) const {
  Header h{};
  std::memcpy(h.magic, kStateMagic, 8);
  h.version = kStateVersion;
  h.arch = static_cast<uint32_t>(arch_);
  h.n_layer = n_layer_;
  h.n_embd = n_embd_;
  h.n_head = n_head_;
  h.head_size = head_size_;
  h.n_vocab = n_vocab_;
  h.weights_hash = weights_hash_;
  h.count = data_.size();
  const std::string tmp = path + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return Status::IOError(path + ": cannot create state file");
  bool ok = std::fwrite(&h, sizeof h, 1, f) == 1 &&
            std::fwrite(data_.data(), sizeof(float), data_.size(), f) == data_.size();
  ok &= std::fclose(f) == 0;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return Status::IOError(path + ": cannot write state file");
  }
  return Status::Ok();
}

StatusOr<State> State::Load(const std::string& path, const Model& model) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!f) return Status::NotFound(path + ": cannot open state file");
  Header h{};
  if (std::fread(&h, sizeof h, 1, f.get()) != 1 || std::memcmp(h.magic, kStateMagic, 8) != 0) {
    return Status::Corruption(path + ": not an rwkv-eval state file");
  }
  if (h.version != kStateVersion) {
    return Status::Unsupported(path + ": state file version " + std::to_string(h.version));
  }
  State s = Initial(model);
  if (h.arch != static_cast<uint32_t>(s.arch_) || h.n_layer != s.n_layer_ ||
      h.n_embd != s.n_embd_ || h.n_head != s.n_head_ || h.head_size != s.head_size_ ||
      h.n_vocab != s.n_vocab_ || h.weights_hash != s.weights_hash_) {
    char hash[17];
    std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(h.weights_hash));
    return Status::InvalidArgument(
        path + ": state was saved for another model (" +
        ArchName(static_cast<Arch>(std::min<uint32_t>(h.arch, 5))) + " L" +
        std::to_string(h.n_layer) + " D" + std::to_string(h.n_embd) + ", weights " + hash +
        "), not for " + model.Describe());
  }
  if (h.count != s.data_.size() ||
      std::fread(s.data_.data(), sizeof(float), s.data_.size(), f.get()) != s.data_.size()) {
    return Status::Corruption(path + ": state file is truncated");
  }
  return s;
}

}  // namespace rwkv
