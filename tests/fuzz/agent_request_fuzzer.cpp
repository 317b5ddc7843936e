// Fuzzes the agent's request handling: any line must get one answer whose
// last line starts with "ok" or "error"; a request the parser accepts must
// read back the same from the line it is written as.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "agent_request.h"
#include "softpatch/agent.h"

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

bool ends_in_a_closing_line(const std::string& reply) {
  if (reply.empty() || reply.back() != '\n') return false;
  std::size_t start = reply.rfind('\n', reply.size() - 2);
  std::string last = reply.substr(start == std::string::npos ? 0 : start + 1);
  return last.rfind("ok", 0) == 0 || last.rfind("error ", 0) == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string line(reinterpret_cast<const char*>(data), size);
  softpatch::Result<softpatch::AgentRequest> request = softpatch::parse_agent_request(line);
  if (request) {
    softpatch::Result<softpatch::AgentRequest> again =
        softpatch::parse_agent_request(softpatch::to_line(*request));
    require(again && again->verb == request->verb && again->argument == request->argument &&
            again->number == request->number);
  } else {
    require(!request.error().empty() && request.error().find('\n') == std::string::npos);
  }
  require(ends_in_a_closing_line(softpatch::handle_agent_request(line)));
  return 0;
}
