#include "command.h"

namespace rwkv::cli {

int RunLogits(const std::vector<std::string>& args);
int RunTokenize(const std::vector<std::string>& args);
int RunDetokenize(const std::vector<std::string>& args);
int RunPull(const std::vector<std::string>& args);
int RunServe(const std::vector<std::string>& args);

const std::vector<Command>& Commands() {
  static const std::vector<Command> kCommands = {
      {"logits", "write the logits after every token as raw float32", RunLogits},
      {"tokenize", "print the token ids of a text as a JSON array", RunTokenize},
      {"detokenize", "print the text of a JSON array of token ids", RunDetokenize},
      {"pull", "download an official model and its tokenizer into the cache", RunPull},
      {"serve", "serve a model through an OpenAI-compatible HTTP API", RunServe},
  };
  return kCommands;
}

}  // namespace rwkv::cli
