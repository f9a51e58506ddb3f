#include "command.h"

#include <omp.h>

#include <iostream>

#include "rwkv/forward.h"

namespace rwkv::cli {

bool ParseArgs(const std::string& name, const std::string& usage, const std::string& about,
               const po::options_description& options,
               const po::positional_options_description& positional,
               const std::vector<std::string>& args, po::variables_map* vm, int* exit_code) {
  po::options_description all("Options");
  all.add_options()("help,h", "show this help");
  all.add(options);
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), *vm);
    if (vm->count("help")) {
      std::cout << "usage: rwkv-eval " << name << " " << usage << "\n\n" << about << "\n\n"
                << all << "\n";
      *exit_code = kExitOk;
      return false;
    }
    po::notify(*vm);
  } catch (const po::error& e) {
    std::cerr << "rwkv-eval " << name << ": " << e.what() << "\n"
              << "usage: rwkv-eval " << name << " " << usage << "\n"
              << "Try 'rwkv-eval " << name << " --help' for the options.\n";
    *exit_code = kExitUsage;
    return false;
  }
  return true;
}

int Fail(const std::string& name, const std::string& message, int code) {
  std::cerr << "rwkv-eval " << name << ": " << message << "\n";
  return code;
}

int ResolveThreads(int flag_value) {
  if (flag_value > 0) return flag_value;
  return ThreadsFromEnv(omp_get_num_procs());
}

}  // namespace rwkv::cli
