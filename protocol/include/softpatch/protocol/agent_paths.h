// Where a user's agents and the `softpatch` command meet: one private
// directory, $XDG_RUNTIME_DIR/softpatch or else /tmp/softpatch-<uid> (the
// user's own, mode 0700: anything else is refused), holding per program
// <pid>.sock (its agent's socket), <pid>.lock (held while one softpatch
// patches it) and patches/ (the patch files built for it).
//
//   Result<std::string> dir = softpatch::protocol::agent_directory();
//   if (!dir) return fail(dir.error());
//   connect_to(softpatch::protocol::socket_path(*dir, pid));
#ifndef SOFTPATCH_PROTOCOL_AGENT_PATHS_H
#define SOFTPATCH_PROTOCOL_AGENT_PATHS_H

#include <string>

#include "softpatch/result.h"

namespace softpatch::protocol {

// The directory, created if missing; an error naming it if it is not safe
// to use (another owner, looser than 0700, a link, not a directory).
Result<std::string> agent_directory();

// The paths of one program's entries in `directory`.
std::string socket_path(const std::string& directory, int pid);
std::string lock_path(const std::string& directory, int pid);
std::string patches_directory(const std::string& directory);

// Removes everything of program `pid` in `directory`: its socket, its lock
// and its patch files (patches/<pid>-*). For a program at exit, and for the
// leftovers of one that died.
void remove_program_entries(const std::string& directory, int pid);

}  // namespace softpatch::protocol

#endif  // SOFTPATCH_PROTOCOL_AGENT_PATHS_H
