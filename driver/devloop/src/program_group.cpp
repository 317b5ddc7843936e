#include "softpatch/devloop/program_group.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace softpatch::driver {
namespace {

int status_code(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

// The children of this process, from /proc (the keeper's: the program and
// whatever was reparented to it).
std::vector<pid_t> my_children() {
  std::vector<pid_t> out;
  pid_t self = getpid();
  DIR* proc = opendir("/proc");
  if (!proc) return out;
  while (dirent* entry = readdir(proc)) {
    pid_t pid = std::atoi(entry->d_name);
    if (pid <= 0) continue;
    std::ifstream stat(std::string("/proc/") + entry->d_name + "/stat");
    std::string line;
    std::getline(stat, line);
    std::size_t close = line.rfind(')');  // the command name may hold spaces
    if (close == std::string::npos) continue;
    std::istringstream fields(line.substr(close + 2));
    char state;
    pid_t parent = 0;
    fields >> state >> parent;
    if (parent == self) out.push_back(pid);
  }
  closedir(proc);
  return out;
}

bool group_empty(pid_t group) { return kill(-group, 0) != 0 && errno == ESRCH; }

// Kills the program's group and every child left, reaps them all, tells
// softpatch how the program ended (its wait status: an exit code and a
// signal are told apart there) and exits with that status as a code.
[[noreturn]] void keeper_finish(pid_t program, int wait_status, int report) {
  kill(-program, SIGKILL);
  for (;;) {
    for (pid_t child : my_children()) kill(child, SIGKILL);
    if (waitpid(-1, nullptr, 0) < 0 && errno == ECHILD) break;
  }
  (void)!write(report, &wait_status, sizeof wait_status);
  _exit(status_code(wait_status));
}

[[noreturn]] void exec_program(const std::vector<std::string>& argv,
                               const std::vector<std::string>& environment, int error_pipe) {
  setpgid(0, 0);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig = 1; sig < NSIG; ++sig) signal(sig, SIG_DFL);
  for (const std::string& assignment : environment) putenv(strdup(assignment.c_str()));
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  execvp(args[0], args.data());
  // Just relinked, the executable can still be open for writing for a
  // moment ("Text file busy"): try again briefly.
  for (int attempt = 0; attempt < 100 && errno == ETXTBSY; ++attempt) {
    usleep(20000);
    execvp(args[0], args.data());
  }
  int error = errno;
  (void)!write(error_pipe, &error, sizeof error);
  _exit(127);
}

// The keeper: starts the program, reaps everything, reports the program's
// pid (or why it could not start) on `report`, and exits with the
// program's status once its tree is gone, or at once (killing it) when
// softpatch dies.
[[noreturn]] void run_keeper(const ProgramGroup::Options& options, pid_t parent, int report) {
  setpgid(0, 0);  // the terminal's Ctrl-C is for softpatch, which stops us properly
  sigset_t waited;
  sigemptyset(&waited);
  sigaddset(&waited, SIGCHLD);
  sigaddset(&waited, SIGTERM);
  sigprocmask(SIG_SETMASK, &waited, nullptr);
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != parent) _exit(1);  // softpatch died before the line above
  prctl(PR_SET_CHILD_SUBREAPER, 1);

  int exec_error[2];
  if (pipe2(exec_error, O_CLOEXEC) != 0) _exit(1);
  pid_t program = fork();
  if (program == 0) exec_program(options.argv, options.environment, exec_error[1]);
  close(exec_error[1]);
  // A softpatch that died before reading the report must not kill the
  // keeper with SIGPIPE before its parent-death signal makes it clean up.
  // (After the fork: the program keeps the default disposition.)
  signal(SIGPIPE, SIG_IGN);
  if (program > 0) setpgid(program, program);
  int error = program < 0 ? errno : 0;
  if (program > 0 && read(exec_error[0], &error, sizeof error) != sizeof error) error = 0;
  close(exec_error[0]);
  int message[2] = {program, error};
  (void)!write(report, message, sizeof message);
  if (program < 0) _exit(127);

  // Once the program has ended, the rest of its group may still be
  // shutting down (a wrapper script's server, say): it gets until the group
  // is empty, or until softpatch's stop() runs out of patience.
  bool ended = false;
  int program_status = 0;  // its wait status, once ended
  for (;;) {
    siginfo_t info;
    timespec tick{0, 20 * 1000 * 1000};
    int signal = !ended ? sigwaitinfo(&waited, &info) : sigtimedwait(&waited, &info, &tick);
    if (signal == SIGTERM) keeper_finish(program, SIGTERM, report);  // as if killed by it
    for (int status; true;) {
      pid_t pid = waitpid(-1, &status, WNOHANG);
      if (pid <= 0) break;
      if (pid == program) ended = true, program_status = status;
    }
    if (ended && group_empty(program)) keeper_finish(program, program_status, report);
  }
}

}  // namespace

void become_subreaper() { prctl(PR_SET_CHILD_SUBREAPER, 1); }

void reap_strays(pid_t keep) {
  for (pid_t child : my_children())
    if (child != keep) waitpid(child, nullptr, WNOHANG);
}

ProgramGroup::~ProgramGroup() {
  if (running()) stop();
}

Result<pid_t> ProgramGroup::start() {
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) {
    return Error{std::string("pipe: ") + std::strerror(errno)};
  }
  pid_t parent = getpid();
  pid_t keeper = fork();
  if (keeper < 0) {
    Error failed{std::string("fork: ") + std::strerror(errno)};
    close(report[0]);
    close(report[1]);
    return failed;
  }
  if (keeper == 0) {
    close(report[0]);
    run_keeper(options_, parent, report[1]);
  }
  close(report[1]);
  int message[2] = {0, 0};
  bool reported = read(report[0], message, sizeof message) == sizeof message;
  if (!reported || message[0] <= 0 || message[1] != 0) {
    close(report[0]);
    waitpid(keeper, nullptr, 0);
    return Error{options_.argv.front() + ": " +
                 (reported && message[1] ? std::strerror(message[1]) : "cannot start")};
  }
  keeper_ = keeper;
  program_ = message[0];
  report_ = report[0];  // the program's wait status comes here at the end
  signal_ = 0;
  return program_;
}

int ProgramGroup::reaped(int keeper_status) {
  keeper_ = 0;
  int wait_status = 0;
  bool told = read(report_, &wait_status, sizeof wait_status) == sizeof wait_status;
  close(report_);
  report_ = -1;
  if (!told) return status_code(keeper_status);  // the keeper itself was killed
  signal_ = WIFSIGNALED(wait_status) ? WTERMSIG(wait_status) : 0;
  return status_code(wait_status);
}

std::optional<int> ProgramGroup::finished() {
  if (!running()) return std::nullopt;
  int status = 0;
  if (waitpid(keeper_, &status, WNOHANG) != keeper_) return std::nullopt;
  return reaped(status);
}

int ProgramGroup::stop() {
  if (!running()) return 0;
  kill(-program_, options_.stop_signal);
  kill(-program_, SIGCONT);  // a stopped program could not act on it
  auto deadline = std::chrono::steady_clock::now() + options_.grace;
  while (!group_empty(program_) && std::chrono::steady_clock::now() < deadline) {
    if (std::optional<int> status = finished()) return *status;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill(-program_, SIGKILL);
  int status = 0;
  while (waitpid(keeper_, &status, 0) < 0 && errno == EINTR) {
  }
  return reaped(status);
}

}  // namespace softpatch::driver
