#include "input.h"

#include <editline/readline.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "interrupt.h"

namespace repl {
namespace {

// Waits for stdin or a Ctrl-C: true when stdin has something (or ended),
// false when a Ctrl-C is pending.
bool wait_for_stdin() {
  for (;;) {
    if (interrupt_pending()) return false;
    pollfd ready[2] = {{STDIN_FILENO, POLLIN, 0}, {interrupt_fd(), POLLIN, 0}};
    if (poll(ready, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return true;  // let the read say what is wrong
    }
    if (ready[1].revents && !interrupt_pending()) drain_interrupt_fd();  // a taken one's byte
    if (ready[0].revents) return !interrupt_pending();
  }
}

// libedit's reader of keys (rl_getc_function): one byte of stdin, or "end
// of input" for a Ctrl-C, which makes readline() give up the line it was
// editing (and put the terminal back as it found it). next() tells the two
// ends apart by the pending Ctrl-C.
int read_key(FILE*) {
  for (;;) {
    if (!wait_for_stdin()) return EOF;
    unsigned char key = 0;
    ssize_t n = read(STDIN_FILENO, &key, 1);
    if (n == 1) return key;
    if (n < 0 && errno == EINTR) continue;
    return EOF;
  }
}

}  // namespace

Input::Input() : terminal_(isatty(STDIN_FILENO)) {
  note_interrupts();
  if (terminal_) rl_getc_function = read_key;  // before libedit starts: it reads it then
}

Input::Got Input::next(const char* prompt, std::string* line) {
  return terminal_ ? next_from_terminal(prompt, line) : next_from_pipe(line);
}

Input::Got Input::next_from_terminal(const char* prompt, std::string* line) {
  char* read = readline(prompt);
  // readline() gives the line up for a Ctrl-C (read_key); one that came
  // just after a whole line is left for the command it ends.
  if (!read && take_interrupt()) {
    std::fputs("\n", stdout);  // off the abandoned line, for a fresh prompt
    std::fflush(stdout);
    return Got::kInterrupt;
  }
  if (!read) return Got::kEnd;
  *line = read;
  std::free(read);
  if (!line->empty()) add_history(line->c_str());
  return Got::kLine;
}

Input::Got Input::next_from_pipe(std::string* line) {
  for (;;) {
    std::size_t end = unread_.find('\n');
    if (end != std::string::npos) {
      *line = unread_.substr(0, end);
      unread_.erase(0, end + 1);
      return Got::kLine;
    }
    if (ended_) {
      if (unread_.empty()) return Got::kEnd;
      *line = std::move(unread_);  // a last line without its newline
      unread_.clear();
      return Got::kLine;
    }
    if (!wait_for_input()) {
      take_interrupt();
      unread_.clear();  // the start of a line, as a terminal drops it
      return Got::kInterrupt;
    }
  }
}

// Reads what stdin has into unread_; false for a Ctrl-C instead.
bool Input::wait_for_input() {
  if (!wait_for_stdin()) return false;
  char chunk[4096];
  ssize_t n = read(STDIN_FILENO, chunk, sizeof chunk);
  if (n > 0) unread_.append(chunk, static_cast<std::size_t>(n));
  if (n == 0 || (n < 0 && errno != EINTR)) ended_ = true;
  return true;
}

}  // namespace repl
