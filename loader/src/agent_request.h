// The agent's requests, parsed strictly: one verb, at most one argument of
// the kind the verb takes, printable characters only.
#ifndef SOFTPATCH_LOADER_AGENT_REQUEST_H
#define SOFTPATCH_LOADER_AGENT_REQUEST_H

#include <cstddef>
#include <string>
#include <string_view>

#include "softpatch/result.h"

namespace softpatch {

// The longest request line the agent reads (without its newline).
constexpr std::size_t kMaxAgentRequest = 4096;

struct AgentRequest {
  enum class Verb { kStatus, kFile, kList, kLoad, kRollback };
  Verb verb;
  std::string argument;  // file, load: a path; list: a pattern (may be empty)
  int number = 0;        // rollback: the patch, or 0 for the latest
};

// Parses one request line (without its newline). Errors say what is wrong
// in one line, e.g. "'rollback' takes a patch number, not 'x1'".
Result<AgentRequest> parse_agent_request(std::string_view line);

// The request line that parses to `request`.
std::string to_line(const AgentRequest& request);

}  // namespace softpatch

#endif  // SOFTPATCH_LOADER_AGENT_REQUEST_H
