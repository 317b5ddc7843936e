// Running a child process to completion, optionally capturing its stderr.
#ifndef SOFTPATCH_DRIVER_SUBPROCESS_H
#define SOFTPATCH_DRIVER_SUBPROCESS_H

#include <string>
#include <vector>

namespace softpatch::driver {

struct ProcessResult {
  int status = 0;          // exit code, or 128 + signal number
  std::string error_text;  // what the child wrote to stderr, when captured
};

enum class Stderr { kInherit, kCapture };

// Runs argv (argv[0] looked up in PATH), waits for it and reaps it. A program
// that cannot be started gives status 127 and a message in error_text.
ProcessResult run_process(const std::vector<std::string>& argv, Stderr stderr_mode);

}  // namespace softpatch::driver

#endif  // SOFTPATCH_DRIVER_SUBPROCESS_H
