// softpatch-repl: call the program's own functions, redefine them while it
// runs, undo. Line editing and history on a terminal; a plain filter on a
// pipe (`echo 'call add2 2' | softpatch-repl` prints 4).
#include <editline/readline.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>

#include "session.h"

int main() {
  char work[] = "/tmp/softpatch-repl-XXXXXX";
  if (!mkdtemp(work)) {
    std::perror("softpatch-repl: mkdtemp");
    return 1;
  }
  repl::Session session({SOFTPATCH_TOOL, SOFTPATCH_REPL_BUILD_DIR, SOFTPATCH_REPL_ROOT, work});
  bool terminal = isatty(STDIN_FILENO);
  for (;;) {
    std::string line;
    if (terminal) {
      char* read = readline(session.needs_more() ? "....... " : "softpatch> ");
      if (!read) break;
      line = read;
      std::free(read);
      if (!line.empty()) add_history(line.c_str());
    } else if (!std::getline(std::cin, line)) {
      break;
    }
    try {
      if (!session.run(line)) break;
    } catch (const std::exception& error) {  // thrown by a called function, say
      std::fprintf(stderr, "error: %s\n", error.what());
    }
  }
  std::string cleanup = std::string("rm -rf '") + work + "'";
  return std::system(cleanup.c_str()) == 0 ? 0 : 1;
}
