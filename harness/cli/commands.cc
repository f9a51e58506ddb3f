#include "command.h"

namespace rwkv::cli {

int RunLogits(const std::vector<std::string>& args);

const std::vector<Command>& Commands() {
  static const std::vector<Command> kCommands = {
      {"logits", "write the logits after every token as raw float32", RunLogits},
  };
  return kCommands;
}

}  // namespace rwkv::cli
