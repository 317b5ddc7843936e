// Running child processes: to completion, or in the background while the
// caller does something else, optionally capturing their stderr.
#ifndef SOFTPATCH_COMMON_SUBPROCESS_H
#define SOFTPATCH_COMMON_SUBPROCESS_H

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace softpatch::driver {

struct ProcessResult {
  int status = 0;          // exit code, or 128 + signal number
  std::string error_text;  // what the child wrote to stderr, when captured
};

enum class Stderr { kInherit, kCapture, kDiscard };

// A started child. wait() reaps it and says how it ended; a child never
// waited for is reaped by the destructor.
class ChildProcess {
 public:
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&&) = delete;
  ~ChildProcess();

  ProcessResult wait();

  // Waits as wait() does, calling `still_running` each time `every` passes
  // with the child still writing to its captured stderr (a long build's
  // progress line, say). Without a captured stderr, the same as wait().
  ProcessResult wait(std::chrono::milliseconds every, const std::function<void()>& still_running);

 private:
  friend ChildProcess start_process(const std::vector<std::string>& argv, Stderr stderr_mode,
                                    const std::string& directory);
  ChildProcess() = default;

  pid_t pid_ = -1;
  int stderr_fd_ = -1;
  ProcessResult failed_;  // why it could not be started
};

// Starts argv (argv[0] looked up in PATH), in `directory` when given (the
// caller's working directory is never changed). A program that cannot be
// started gives status 127 and a message in error_text when waited for.
ChildProcess start_process(const std::vector<std::string>& argv, Stderr stderr_mode,
                           const std::string& directory = "");

// Starts argv in the background, detached: it runs on after the caller
// exits, in a session of its own, stdin, stdout and stderr on /dev/null,
// and is reaped by whoever adopts it (init, or a subreaper such as
// `softpatch run`). The intermediate child is reaped before this returns.
void start_detached(const std::vector<std::string>& argv, const std::string& directory = "");

// Runs argv to completion and reaps it.
ProcessResult run_process(const std::vector<std::string>& argv, Stderr stderr_mode,
                          const std::string& directory = "");

}  // namespace softpatch::driver

#endif  // SOFTPATCH_COMMON_SUBPROCESS_H
