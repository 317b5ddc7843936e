#include "softpatch/common/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

extern char** environ;

namespace softpatch::driver {
namespace {

int wait_for(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return 127;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

// Everything `fd` gives until its end; `tick` is called each time
// `every` passes, however much the writer writes (never when `every` is
// zero).
std::string read_all(int fd, std::chrono::milliseconds every = {},
                     const std::function<void()>& tick = {}) {
  using Clock = std::chrono::steady_clock;
  std::string text;
  char buffer[65536];
  Clock::time_point next_tick = Clock::now() + every;
  for (;;) {
    if (every.count() > 0) {
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_tick - Clock::now());
      pollfd readable{fd, POLLIN, 0};
      int ready = poll(&readable, 1, static_cast<int>(std::max<long>(wait.count(), 0)));
      if (Clock::now() >= next_tick) {
        tick();
        next_tick = Clock::now() + every;  // after a suspend too: no burst of ticks
      }
      if (ready == 0 || (ready < 0 && errno == EINTR)) continue;
    }
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n > 0) {
      text.append(buffer, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      return text;
    }
  }
}

}  // namespace

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(other.pid_), stderr_fd_(other.stderr_fd_), failed_(std::move(other.failed_)) {
  other.pid_ = other.stderr_fd_ = -1;
}

ChildProcess::~ChildProcess() {
  if (pid_ >= 0 || stderr_fd_ >= 0) wait();
}

ProcessResult ChildProcess::wait() { return wait({}, {}); }

ProcessResult ChildProcess::wait(std::chrono::milliseconds every,
                                 const std::function<void()>& still_running) {
  if (pid_ < 0) {
    if (stderr_fd_ >= 0) close(stderr_fd_);
    stderr_fd_ = -1;
    return failed_;
  }
  ProcessResult result;
  if (stderr_fd_ >= 0) {
    result.error_text =
        still_running ? read_all(stderr_fd_, every, still_running) : read_all(stderr_fd_);
    close(stderr_fd_);
    stderr_fd_ = -1;
  }
  result.status = wait_for(pid_);
  pid_ = -1;
  return result;
}

ChildProcess start_process(const std::vector<std::string>& argv, Stderr stderr_mode,
                           const std::string& directory) {
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);

  ChildProcess child;
  int pipe_fds[2] = {-1, -1};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (stderr_mode == Stderr::kCapture) {
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
      posix_spawn_file_actions_destroy(&actions);
      child.failed_ = {127, std::string("pipe: ") + strerror(errno)};
      return child;
    }
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  } else if (stderr_mode == Stderr::kDiscard) {
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  }
  // In the child only: this process's working directory is never changed.
  if (!directory.empty()) posix_spawn_file_actions_addchdir_np(&actions, directory.c_str());
  // Children start with no signal blocked: softpatch run blocks the ones it
  // reads through a signalfd, and a build must still stop on Ctrl-C.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);
  int error = posix_spawnp(&child.pid_, args[0], &actions, &attributes, args.data(), environ);
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  if (pipe_fds[1] >= 0) close(pipe_fds[1]);
  child.stderr_fd_ = pipe_fds[0];
  if (error != 0) {
    child.pid_ = -1;
    child.failed_ = {127, argv[0] + ": " + strerror(error)};
  }
  return child;
}

void start_detached(const std::vector<std::string>& argv, const std::string& directory) {
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t middle = fork();
  if (middle == 0) {
    setsid();
    if (fork() == 0) {
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      int null = open("/dev/null", O_RDWR);
      for (int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) dup2(null, fd);
      if (null > STDERR_FILENO) close(null);
      if (!directory.empty() && chdir(directory.c_str()) != 0) _exit(127);
      execvp(args[0], args.data());
      _exit(127);
    }
    _exit(0);
  }
  if (middle > 0) wait_for(middle);
}

ProcessResult run_process(const std::vector<std::string>& argv, Stderr stderr_mode,
                          const std::string& directory) {
  return start_process(argv, stderr_mode, directory).wait();
}

}  // namespace softpatch::driver
