// Runs a shell command from a test and captures what it prints.
#pragma once

#include <string>

namespace rwkv::testing {

struct ShellResult {
  int exit_code = -1;  // -1 if the command could not run or was killed by a signal
  std::string out;     // its standard output
};

// Runs `command` with /bin/sh (popen) and waits for it.
ShellResult RunShell(const std::string& command);

}  // namespace rwkv::testing
