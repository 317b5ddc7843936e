// Fuzzes the command line's side of the protocol: any bytes as a reply of
// each type are read or refused with one line, never trusted half-way; a
// reply that does not begin with this softpatch's version record is refused
// as another version's, whatever follows; a reply that is read encodes to
// text that reads back the same. The crash
// report a dying program leaves is read by the same side: any bytes are read
// or refused, and what is read names only what it holds.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "softpatch/protocol/agent_protocol.h"
#include "softpatch/protocol/crash_report.h"

namespace {

namespace protocol = softpatch::protocol;

void require(bool condition) {
  if (!condition) std::abort();
}

// Whether `text` begins with a whole line that is not this softpatch's
// version record: the reply of an agent of another version, or of none.
bool another_version(std::string_view text) {
  std::string ours = "version " + std::to_string(protocol::kProtocolVersion) + "\n";
  std::size_t end = text.find('\n');
  return end != std::string_view::npos && text.substr(0, end + 1) != ours &&
         text.substr(0, std::min(end, text.find(' '))) != "version";
}

template <class Reply>
void read_as(std::string_view text) {
  softpatch::Result<Reply> reply = protocol::parse_reply<Reply>(text);
  if (another_version(text)) require(!reply && protocol::speaks_another_version(reply.error()));
  if (!reply) {
    // An error record's message is the agent's, decoded: it may hold a line break.
    require(reply.error().find('\n') == std::string::npos ||
            text.find("\nerror ") != std::string_view::npos);
    return;
  }
  std::string encoded = protocol::encode(*reply);
  softpatch::Result<Reply> again = protocol::parse_reply<Reply>(encoded);
  require(again && protocol::encode(*again) == encoded);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  read_as<protocol::StatusReply>(text);
  read_as<protocol::FileReply>(text);
  read_as<protocol::ListReply>(text);
  read_as<protocol::PatchReply>(text);
  // Read or refused in one line, never a throw or a read past the text.
  if (softpatch::Result<protocol::CrashReport> report = protocol::parse_crash_report(text)) {
    require(report->signal > 0);
    for (const protocol::CrashReport::Patch& patch : report->patches) require(patch.number > 0);
  } else {
    require(report.error().find('\n') == std::string::npos);
  }
  for (std::size_t i = 0; i <= size && i < 64; ++i) {
    std::string field(text.substr(0, i));
    for (bool last : {false, true}) {
      softpatch::Result<std::string> back =
          protocol::decode_field(protocol::encode_field(field, last), last);
      require(back && *back == field);
    }
  }
  return 0;
}
