// Running one call so that a crash in it, or a Ctrl-C, ends the call and not
// the REPL.
#pragma once

#include <optional>
#include <vector>

namespace repl {

// What ended a call early.
struct Stop {
  int signal = 0;            // SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT or SIGINT
  const void* pc = nullptr;  // where the code was when it came; null when unknown
  // For a crash, the return addresses on the crashing stack, innermost
  // first: who called the code the pc is in (abort() is the C library's).
  std::vector<const void*> callers;
};

// Runs body(context) with those signals caught on the calling thread;
// nothing when it returned, or what stopped it. The handlers (and an
// alternate signal stack, for a stack overflow) are there for the call
// alone: the previous ones come back after it, whichever way it ends.
std::optional<Stop> run_guarded(void (*body)(void*), void* context);

// "SIGSEGV" for SIGSEGV, and so on.
const char* signal_name(int signal);

}  // namespace repl
