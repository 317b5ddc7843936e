// The REPL's input, a line at a time: edited with libedit on a terminal,
// read plainly from a pipe; a Ctrl-C while waiting for it is a result of
// its own, not the end of the program.
#pragma once

#include <string>

namespace repl {

class Input {
 public:
  Input();  // from stdin; installs the session's Ctrl-C handling

  enum class Got { kLine, kInterrupt, kEnd };
  // The next line (`prompt` shown on a terminal); kInterrupt when a Ctrl-C
  // came first (what was typed of the line is dropped), kEnd at the end of
  // the input.
  Got next(const char* prompt, std::string* line);

  bool terminal() const { return terminal_; }

 private:
  Got next_from_terminal(const char* prompt, std::string* line);
  Got next_from_pipe(std::string* line);
  bool wait_for_input();

  bool terminal_;
  std::string unread_;  // read from a pipe, not yet given out
  bool ended_ = false;
};

}  // namespace repl
