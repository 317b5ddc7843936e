#include "interrupt.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>

namespace repl {
namespace {

std::atomic<bool> pending{false};
// A self-pipe: the handler writes a byte, so that a poll() that began just
// before the signal still wakes (a flag alone would be seen only at the
// next key).
int wake[2] = {-1, -1};

void on_interrupt(int) {
  int saved = errno;
  pending.store(true);
  char byte = 0;
  ssize_t written = write(wake[1], &byte, 1);  // when full, a wake-up is there already
  (void)written;
  errno = saved;
}

}  // namespace

void drain_interrupt_fd() {
  char bytes[64];
  while (read(wake[0], bytes, sizeof bytes) > 0) continue;
}

void note_interrupts() {
  if (wake[0] >= 0) return;
  if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) != 0) {  // closed to `softpatch build`
    std::perror("softpatch-repl: pipe2");
    return;
  }
  struct sigaction action = {};
  action.sa_handler = on_interrupt;
  action.sa_flags = SA_RESTART;  // other reads go on; poll() is woken by the pipe
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
}

bool interrupt_pending() { return pending.load(); }

bool take_interrupt() {
  if (!pending.exchange(false)) return false;
  drain_interrupt_fd();
  return true;
}

int interrupt_fd() { return wake[0]; }

}  // namespace repl
