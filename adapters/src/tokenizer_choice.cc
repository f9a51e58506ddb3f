#include "tokenizer_choice.h"

namespace rwkv::adapters {

StatusOr<std::shared_ptr<const Tokenizer>> ChooseTokenizer(const Model& model,
                                                           const std::string& name) {
  const int n_vocab = model.config().n_vocab;
  if ((name.empty() && n_vocab == 256) || name == "bytes") {
    if (n_vocab < 256) {
      return Status::InvalidArgument(
          "the byte tokenizer needs a vocabulary of 256, the model has " + std::to_string(n_vocab));
    }
    return std::shared_ptr<const Tokenizer>(MakeByteTokenizer());
  }
  return Status::Unsupported("no tokenizer available for a vocabulary of " +
                             std::to_string(n_vocab) +
                             (name.empty() ? "" : " (asked: " + name + ")"));
}

}  // namespace rwkv::adapters
