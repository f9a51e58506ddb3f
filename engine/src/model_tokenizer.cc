// The tokenizer that goes with a loaded model: its file's own, or one chosen by vocabulary size.
#include "rwkv/model.h"
#include "rwkv/tokenizer.h"

namespace rwkv {

namespace {

// A Tokenizer that forwards to one shared with the model that carries it.
class SharedTokenizer : public Tokenizer {
 public:
  explicit SharedTokenizer(std::shared_ptr<const Tokenizer> t) : t_(std::move(t)) {}
  std::string name() const override { return t_->name(); }
  int vocab_size() const override { return t_->vocab_size(); }
  std::vector<int32_t> Encode(std::string_view text) const override { return t_->Encode(text); }
  std::string TokenBytes(int32_t id) const override { return t_->TokenBytes(id); }

 private:
  std::shared_ptr<const Tokenizer> t_;
};

}  // namespace

StatusOr<std::unique_ptr<Tokenizer>> LoadTokenizerForModel(const std::string& name_or_path,
                                                           const Model& model) {
  const std::shared_ptr<const Tokenizer>& own = model.tensors().tokenizer();
  if (own && (name_or_path.empty() || name_or_path == "auto")) {
    RETURN_IF_ERROR(CheckTokenizerFits(*own, model.config().n_vocab));
    return std::unique_ptr<Tokenizer>(new SharedTokenizer(own));
  }
  return LoadTokenizerForModel(name_or_path, model.config().n_vocab);
}

}  // namespace rwkv
