// Talking to the agents of running instrumented programs (softpatch/agent.h
// has the protocol).
#ifndef SOFTPATCH_DRIVER_AGENT_CLIENT_H
#define SOFTPATCH_DRIVER_AGENT_CLIENT_H

#include <string>
#include <vector>

#include "llvm/Support/Error.h"

namespace softpatch::driver {

// The pids of this user's programs whose agent is listening. Sockets left by
// programs that died without cleaning up are removed on the way.
std::vector<int> running_agents();

// What to say when no program runs an agent, with how to start one.
extern const char kNoRunningAgent[];

// The one running program with an agent: an error when there is none, or
// several (naming their pids).
llvm::Expected<int> only_running_agent();

// Sends one request to the agent of `pid`; returns its reply, or an error
// for a reply ending in "error ..." or no agent.
llvm::Expected<std::string> ask_agent(int pid, const std::string& request);

// The value of the line "<name> <value>" in an agent's reply, or "".
std::string reply_field(const std::string& reply, const std::string& name);

}  // namespace softpatch::driver

#endif  // SOFTPATCH_DRIVER_AGENT_CLIENT_H
