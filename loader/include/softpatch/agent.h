// The agent: a thread in the instrumented program that serves the
// `softpatch` command over a local UNIX socket. It starts by itself when the
// program runs with SOFTPATCH_AGENT=1 in its environment (what
// `softpatch run` sets; `main` needs no change), and stops and is joined at
// exit. Without that variable, no socket is opened and no thread started.
//
// The socket is <pid>.sock in the user's private agent directory
// (softpatch/protocol/agent_paths.h: $XDG_RUNTIME_DIR/softpatch or
// /tmp/softpatch-<uid>, mode 0700, refused if anyone else's, looser or a link). Connections from
// another user are refused (SO_PEERCRED) and the refusal is logged.
//
// The requests (status, file, list, load, rollback) and their replies are
// defined once, in softpatch/protocol/agent_protocol.h. Requests are parsed
// strictly (`status` with an argument, `rollback x`, a control character or
// more than 4 KiB is an error; a request of another protocol version, or of
// none, is refused naming both before anything runs); a request that is not
// finished within 2 seconds gets an error, and each connection carries one
// request.
#ifndef SOFTPATCH_AGENT_H
#define SOFTPATCH_AGENT_H

#include <string>

namespace softpatch {

// Answers one request line (without its newline) with the reply text, as the
// agent does; for in-process use and the fuzzer.
std::string handle_agent_request(const std::string& request);

}  // namespace softpatch

#endif  // SOFTPATCH_AGENT_H
