// Runs the program under development in a process group of its own, the way
// a good restarter does:
//
// * between softpatch and the program sits a small keeper process: a child
//   subreaper that inherits whatever the program leaves behind. Once the
//   program and its process group are gone it kills what is left (daemons
//   that left the group) and exits; when softpatch dies (even by SIGKILL),
//   it kills the group and everything reparented to it at once: no orphans;
// * stop() sends SIGTERM (or the chosen signal) and SIGCONT to the group,
//   waits until the group is empty, sends SIGKILL after the grace period,
//   and returns only when everything is reaped, so a new instance never
//   finds its port still taken.
//
// The program inherits softpatch's stdin, stdout and stderr: its own output
// passes through unchanged.
#ifndef SOFTPATCH_DEVLOOP_PROGRAM_GROUP_H
#define SOFTPATCH_DEVLOOP_PROGRAM_GROUP_H

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "softpatch/result.h"

namespace softpatch::driver {

class ProgramGroup {
 public:
  struct Options {
    std::vector<std::string> argv;         // argv[0] looked up in PATH
    std::vector<std::string> environment;  // NAME=value, added to ours
    int stop_signal = 15;                  // SIGTERM
    std::chrono::milliseconds grace{2000};
  };

  explicit ProgramGroup(Options options) : options_(std::move(options)) {}
  ~ProgramGroup();  // stops the program if it runs
  ProgramGroup(const ProgramGroup&) = delete;
  ProgramGroup& operator=(const ProgramGroup&) = delete;

  // Starts the program and returns its pid, or why it cannot be started
  // ("/bin/app: No such file or directory").
  Result<pid_t> start();
  // Stops it as described above; returns its exit status (or 128 + signal).
  int stop();

  bool running() const { return keeper_ > 0; }
  // The program's pid (its process group's id too); 0 when not running.
  pid_t pid() const { return running() ? program_ : 0; }
  // The keeper's pid, to wait for: it exits when the program's whole tree
  // has ended (see finished()).
  pid_t keeper() const { return keeper_; }
  // Reaps the keeper if it has exited by itself (the program ended); the
  // program's exit status, or nothing while it runs.
  std::optional<int> finished();
  // The signal that ended the last instance, or 0 when it exited (statuses
  // are 128 + signal either way; this tells exit(130) from SIGINT).
  int last_signal() const { return signal_; }

 private:
  int reaped(int keeper_status);

  Options options_;
  pid_t keeper_ = 0;
  pid_t program_ = 0;
  int report_ = -1;  // read end of the keeper's pipe
  int signal_ = 0;
};

// Makes the calling process a child subreaper: orphans among its
// descendants become its children (and are reaped, not left to init).
void become_subreaper();

// Reaps children of the calling process that have ended, except `keep`
// (what a subreaper inherits: orphans of a build's daemons, say).
void reap_strays(pid_t keep);

}  // namespace softpatch::driver

#endif  // SOFTPATCH_DEVLOOP_PROGRAM_GROUP_H
