#include "tokenizer_choice.h"

namespace rwkv::adapters {

StatusOr<std::shared_ptr<const Tokenizer>> ChooseTokenizer(const Model& model,
                                                           const std::string& name) {
  ASSIGN_OR_RETURN(std::unique_ptr<Tokenizer> t,
                   LoadTokenizerForModel(name, model));
  return std::shared_ptr<const Tokenizer>(std::move(t));
}

}  // namespace rwkv::adapters
