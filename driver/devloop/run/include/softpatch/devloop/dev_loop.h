// `softpatch run`: runs the program with its agent enabled, watches the
// sources, patches live what can be patched and otherwise rebuilds and
// restarts the program, saying in one line what it did and how long it took.
#ifndef SOFTPATCH_DEVLOOP_DEV_LOOP_H
#define SOFTPATCH_DEVLOOP_DEV_LOOP_H

#include <chrono>
#include <string>
#include <vector>

namespace softpatch::driver {

struct DevLoopOptions {
  std::vector<std::string> command;            // the program and its arguments
  std::string build_dir;                       // holding compile_commands.json ("" to look for it)
  std::string build_command;                   // run through /bin/sh before a restart; "" for none
  std::vector<std::string> watch;              // directories added to the project's
  std::vector<std::string> includes, ignores;  // globs (see path_filter.h)
  bool no_patch = false;                       // only ever rebuild and restart
  bool restart_on_exit = false;  // restart a program that ended by itself (with backoff)
  bool verbose = false;          // raw events and the time of each step
  int stop_signal = 15;
  std::chrono::milliseconds grace{2000};
  std::size_t watch_limit = 0;  // inotify watches to use at most (0: the system's limit)
};

// Runs until SIGINT, SIGTERM or SIGHUP; returns the program's last exit
// status (0 when it never ran).
int run_dev_loop(const DevLoopOptions& options);

}  // namespace softpatch::driver

#endif  // SOFTPATCH_DEVLOOP_DEV_LOOP_H
