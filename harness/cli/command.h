// The rwkv-eval command line: one file per subcommand, registered in commands.cc.
//
// Exit codes shared by every subcommand: 0 success, 1 the work failed (bad model file,
// failed run, regression), 2 the command line itself is wrong (unknown option, missing value).
#pragma once

#include <boost/program_options.hpp>
#include <string>
#include <vector>

namespace rwkv::cli {

namespace po = boost::program_options;

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

struct Command {
  const char* name;
  const char* summary;  // one line for `rwkv-eval --help`
  // Runs with the arguments after the subcommand name; returns an exit code.
  int (*run)(const std::vector<std::string>& args);
};

// Every subcommand, in the order `--help` lists them.
const std::vector<Command>& Commands();

// Parses `args` against `options` (plus --help) and `positional`. On --help prints
// "usage: rwkv-eval NAME USAGE" and the options, and returns kExitOk through *exit_code;
// on a parse error prints a clear message and returns kExitUsage. Returns true to continue.
bool ParseArgs(const std::string& name, const std::string& usage, const std::string& about,
               const po::options_description& options,
               const po::positional_options_description& positional,
               const std::vector<std::string>& args, po::variables_map* vm, int* exit_code);

// Prints "rwkv-eval NAME: MESSAGE" to stderr and returns `code`.
int Fail(const std::string& name, const std::string& message, int code = kExitFailure);

// The engine thread count from --threads (0 = unset), RWKV_EVAL_THREADS, or all cores.
int ResolveThreads(int flag_value);

}  // namespace rwkv::cli
