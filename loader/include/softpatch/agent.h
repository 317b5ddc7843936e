// The agent: a thread in the instrumented program that serves the
// `softpatch` command over a local UNIX socket. It starts by itself when the
// program runs with SOFTPATCH_AGENT=1 in its environment (what
// `softpatch run` sets; `main` needs no change), and stops and is joined at
// exit. Without that variable, no socket is opened and no thread started.
//
// The socket is <dir>/<pid>.sock, where <dir> is $XDG_RUNTIME_DIR/softpatch or
// /tmp/softpatch-<uid>: a directory of the user's own, mode 0700, refused if
// it is anyone else's, looser or a link. Connections from another user are
// refused (SO_PEERCRED) and the refusal is logged.
//
// Protocol: one request line, then response lines, the last one starting
// with "ok" or "error":
//   status                  pid, executable, build id, patches
//   file <project path>     the build id of the module holding that file
//   load <patch path>       validate and apply a patch
//   rollback [N]            undo the latest (or patch N)
//   list [pattern]          functions: name, file:line, patched or not
// Requests are parsed strictly (`status` with an argument, `rollback x`, a
// control character or more than 4 KiB is an error); a request that is not
// finished within 2 seconds gets an error, and each connection carries one
// request.
#ifndef SOFTPATCH_AGENT_H
#define SOFTPATCH_AGENT_H

#include <string>

namespace softpatch {

// The directory the agents of this user put their sockets in, created if
// missing; "" (and `error` set) if it is not safe to use.
std::string agent_directory(std::string* error = nullptr);

// Answers one request line, as the agent does (also for in-process use).
std::string handle_agent_request(const std::string& request);

}  // namespace softpatch

#endif  // SOFTPATCH_AGENT_H
