#include "softpatch/driver/subprocess.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

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

std::string read_all(int fd) {
  std::string text;
  char buffer[65536];
  for (;;) {
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n > 0) {
      text.append(buffer, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      return text;
    }
  }
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, Stderr stderr_mode) {
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);

  int pipe_fds[2] = {-1, -1};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (stderr_mode == Stderr::kCapture) {
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) return {127, std::string("pipe: ") + strerror(errno)};
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  }
  pid_t pid = -1;
  int error = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (pipe_fds[1] >= 0) close(pipe_fds[1]);

  ProcessResult result;
  if (error != 0) {
    if (pipe_fds[0] >= 0) close(pipe_fds[0]);
    return {127, argv[0] + ": " + strerror(error)};
  }
  if (pipe_fds[0] >= 0) {
    result.error_text = read_all(pipe_fds[0]);
    close(pipe_fds[0]);
  }
  result.status = wait_for(pid);
  return result;
}

}  // namespace softpatch::driver
