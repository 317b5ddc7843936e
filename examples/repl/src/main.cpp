// softpatch-repl: call the program's own functions, redefine them while it
// runs, undo. Line editing and history on a terminal; a plain filter on a
// pipe (`echo 'call add2 2' | softpatch-repl` prints 4), whose exit status
// says whether every command worked. Ctrl-C drops the line being typed (or
// ends the call running); Ctrl-D, the end of the input or `quit` ends it.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "input.h"
#include "session.h"

int main() {
  char work[] = "/tmp/softpatch-repl-XXXXXX";
  if (!mkdtemp(work)) {
    std::perror("softpatch-repl: mkdtemp");
    return 1;
  }
  repl::Session session({SOFTPATCH_TOOL, SOFTPATCH_REPL_BUILD_DIR, SOFTPATCH_REPL_ROOT, work});
  repl::Input input;
  for (;;) {
    std::string line;
    repl::Input::Got got = input.next(session.needs_more() ? "....... " : "softpatch> ", &line);
    if (got == repl::Input::Got::kEnd) {
      session.end_of_input();
      break;
    }
    if (got == repl::Input::Got::kInterrupt) {
      session.interrupt();
      continue;
    }
    if (!session.run(line)) break;
  }
  std::string cleanup = std::string("rm -rf '") + work + "'";
  bool cleaned = std::system(cleanup.c_str()) == 0;
  // On a terminal the person saw each error; a script needs to be told.
  bool all_worked = input.terminal() || !session.failed();
  return cleaned && all_worked ? 0 : 1;
}
