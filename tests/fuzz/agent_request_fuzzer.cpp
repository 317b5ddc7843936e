// Fuzzes the agent's side of the protocol: any line must get one answer that
// the command line's parser reads (a typed reply or an error), and a line
// without a version a bare error line (all a command before versions reads);
// a request the parser accepts must read back the same from the line it is
// encoded as.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "softpatch/agent.h"
#include "softpatch/protocol/agent_protocol.h"

namespace {

namespace protocol = softpatch::protocol;

void require(bool condition) {
  if (!condition) std::abort();
}

// The reply to `request` reads as the reply type of that request, or as an
// error whose message is exactly its `error` line's.
bool reply_reads(const protocol::Request& request, const std::string& reply) {
  std::size_t last = reply.rfind('\n', reply.size() - 2);
  std::string closing = reply.substr(last == std::string::npos ? 0 : last + 1);
  bool error = closing.rfind("error ", 0) == 0;
  return std::visit(
      [&](const auto& r) {
        using Reply = protocol::ReplyTo<std::decay_t<decltype(r)>>;
        softpatch::Result<Reply> parsed = protocol::parse_reply<Reply>(reply);
        if (!error) {
          bool read = parsed.ok();
          if (!read) parsed.ignore();  // the fuzzer aborts below
          return read;
        }
        softpatch::Result<std::string> message =
            protocol::decode_field(closing.substr(6, closing.size() - 7), true);
        return !parsed && message && parsed.error() == *message;
      },
      request);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string line(reinterpret_cast<const char*>(data), size);
  softpatch::Result<protocol::Request> request =
      protocol::parse_request(line, protocol::agent_of_process(getpid()));
  std::string reply = softpatch::handle_agent_request(line);
  if (!request) {
    require(!request.error().empty() && request.error().find('\n') == std::string::npos);
    require(reply == protocol::encode_refusal(line, request.error()));
    // Only a line that begins with a version ("v2", "v3"...) gets a version record.
    bool versioned = line.size() > 1 && line[0] == 'v' && line[1] >= '1' && line[1] <= '9';
    require(reply.rfind("error ", 0) == 0 || (versioned && reply.rfind("version ", 0) == 0));
    return 0;
  }
  std::string encoded = protocol::encode(*request);
  softpatch::Result<protocol::Request> again = protocol::parse_request(encoded);
  require(again && again->index() == request->index() && protocol::encode(*again) == encoded);
  require(!reply.empty() && reply.back() == '\n' && reply_reads(*request, reply));
  return 0;
}
