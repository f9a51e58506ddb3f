// rwkv-eval: evaluate and benchmark RWKV (and other) language models.
#include <iostream>
#include <string>
#include <vector>

#include "command.h"

namespace {

void PrintHelp() {
  std::cout << "rwkv-eval " RWKV_EVAL_VERSION
               " — reasoning and memory benchmarks for RWKV and other language models\n\n"
               "usage: rwkv-eval <command> [options]\n"
               "       rwkv-eval <command> --help\n\n"
               "Commands:\n";
  for (const auto& c : rwkv::cli::Commands()) {
    std::string name = c.name;
    name.resize(std::max<size_t>(name.size() + 2, 14), ' ');
    std::cout << "  " << name << c.summary << "\n";
  }
  std::cout << "\nGlobal options:\n  --help, -h    show this help\n  --version     print the version\n"
               "\nEnvironment: RWKV_EVAL_THREADS sets the engine's thread count.\n";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace rwkv::cli;
  if (argc < 2) {
    PrintHelp();
    return kExitUsage;
  }
  const std::string first = argv[1];
  if (first == "--help" || first == "-h" || first == "help") {
    PrintHelp();
    return kExitOk;
  }
  if (first == "--version" || first == "-V") {
    std::cout << "rwkv-eval " RWKV_EVAL_VERSION "\n";
    return kExitOk;
  }
  for (const auto& c : Commands()) {
    if (first == c.name) return c.run(std::vector<std::string>(argv + 2, argv + argc));
  }
  std::cerr << "rwkv-eval: " << (first.rfind("-", 0) == 0 ? "unknown option '" : "unknown command '")
            << first << "'\nTry 'rwkv-eval --help' for the list of commands.\n";
  return kExitUsage;
}
