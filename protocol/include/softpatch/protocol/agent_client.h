// The command line's side of the agent protocol: finding the programs whose
// agent listens, and asking one of them a typed question.
//
//   Result<protocol::ListReply> list = protocol::ask(pid, protocol::ListRequest{"greet"});
//   if (!list) return fail(list.error());
//   for (const protocol::FunctionEntry& f : list->functions) ...
#ifndef SOFTPATCH_PROTOCOL_AGENT_CLIENT_H
#define SOFTPATCH_PROTOCOL_AGENT_CLIENT_H

#include <string>
#include <string_view>
#include <vector>

#include "softpatch/protocol/agent_protocol.h"
#include "softpatch/result.h"

namespace softpatch::protocol {

// The pids of this user's programs whose agent socket exists and whose
// process lives, ascending. Entries left by programs that died without
// cleaning up (socket, lock) are removed on the way.
std::vector<int> running_agents();

// Sends one request line to the agent of `pid` and returns its whole reply
// text; an error when there is no agent there, the line cannot be sent as
// one request (too long), or the program closed without answering.
Result<std::string> exchange(int pid, std::string_view request_line);

// Asks the agent of `pid` and parses its answer; the agent's `error` reply
// is the Error, and so is an agent of another protocol version, named
// ("the agent of process 1234 speaks protocol 3, ...": speaks_another_version).
template <class Request>
Result<ReplyTo<Request>> ask(int pid, const Request& request) {
  Result<std::string> text = protocol::exchange(pid, protocol::encode(protocol::Request{request}));
  if (!text) return text.take_error();
  return parse_reply<ReplyTo<Request>>(*text, agent_of_process(pid));
}

}  // namespace softpatch::protocol

#endif  // SOFTPATCH_PROTOCOL_AGENT_CLIENT_H
