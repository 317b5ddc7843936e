#include "agent_request.h"

#include <climits>
#include <cstdio>

#include "messages.h"

namespace softpatch {
namespace {

using Verb = AgentRequest::Verb;

struct VerbName {
  Verb verb;
  std::string_view name;
};
constexpr VerbName kVerbs[] = {{Verb::kStatus, "status"},
                               {Verb::kFile, "file"},
                               {Verb::kList, "list"},
                               {Verb::kLoad, "load"},
                               {Verb::kRollback, "rollback"}};

// `text` in quotes, cut after 40 bytes (not inside a UTF-8 character).
std::string quoted(std::string_view text) {
  if (text.size() <= 40) return "'" + std::string(text) + "'";
  std::size_t cut = 40;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xc0) == 0x80) --cut;
  return "'" + std::string(text.substr(0, cut)) + "...'";
}

// A patch number: 1 to INT_MAX in plain decimal digits.
bool parse_number(std::string_view text, int& number) {
  if (text.empty() || text.size() > 10 || text[0] == '0') return false;
  long long value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  if (value > INT_MAX) return false;
  number = static_cast<int>(value);
  return true;
}

}  // namespace

Result<AgentRequest> parse_agent_request(std::string_view line) {
  if (line.size() > kMaxAgentRequest)
    return Error{"request longer than " + std::to_string(kMaxAgentRequest) + " bytes"};
  if (std::size_t at = first_control_character(line); at != std::string_view::npos) {
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02x", static_cast<unsigned char>(line[at]));
    return Error{std::string("request holds a control character (") + byte + " at byte " +
                 std::to_string(at + 1) + ")"};
  }
  std::size_t space = line.find(' ');
  std::string_view word = line.substr(0, space);
  bool has_argument = space != std::string_view::npos;
  std::string_view argument = has_argument ? line.substr(space + 1) : std::string_view();
  const VerbName* known = nullptr;
  for (const VerbName& v : kVerbs)
    if (v.name == word) known = &v;
  if (!known) return Error{"unknown request " + quoted(word)};
  AgentRequest request{known->verb, std::string(argument), 0};
  switch (known->verb) {
    case Verb::kStatus:
      if (has_argument) return Error{"'status' takes no argument"};
      break;
    case Verb::kFile:
    case Verb::kLoad:
      if (argument.empty()) return Error{"'" + std::string(word) + "' takes a path"};
      break;
    case Verb::kList:
      break;
    case Verb::kRollback:
      if (has_argument && !parse_number(argument, request.number))
        return Error{"'rollback' takes a patch number, not " + quoted(argument)};
      request.argument.clear();
      break;
  }
  return request;
}

std::string to_line(const AgentRequest& request) {
  std::string line;
  for (const VerbName& v : kVerbs)
    if (v.verb == request.verb) line = std::string(v.name);
  if (request.verb == Verb::kRollback)
    return request.number ? line + " " + std::to_string(request.number) : line;
  if (request.verb == Verb::kStatus) return line;
  if (request.verb == Verb::kList && request.argument.empty()) return line;
  return line + " " + request.argument;
}

}  // namespace softpatch
