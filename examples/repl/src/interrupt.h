// Ctrl-C (SIGINT) outside a call: noted for whoever waits, never the end of
// the session. A call catches it itself while it runs (crash_guard.h).
#pragma once

namespace repl {

// Installs the session's SIGINT handler: from then on a Ctrl-C sets a flag
// and wakes interrupt_fd() instead of ending the program.
void note_interrupts();

// Whether a Ctrl-C came and was not taken yet.
bool interrupt_pending();

// Whether a Ctrl-C came since it was last taken; takes it (clears it).
bool take_interrupt();

// Readable after a Ctrl-C, for poll() beside the input; a waiter that
// wakes to find nothing pending drains it.
int interrupt_fd();
void drain_interrupt_fd();

}  // namespace repl
