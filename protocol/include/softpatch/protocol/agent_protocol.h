// The agent's wire protocol, defined once: the typed requests the `softpatch`
// command sends to a running program's agent and the typed replies it gets,
// each with one encoder and one parser. The agent (in the loader) and the
// command line both link this; neither builds nor splits protocol text.
//
//   std::string line = softpatch::protocol::encode(LoadRequest{"/tmp/my patch.so"});
//   Result<Request> request = softpatch::protocol::parse_request(line);  // the agent
//   std::string text = softpatch::protocol::encode(PatchReply{...});      // its answer
//   Result<PatchReply> reply = softpatch::protocol::parse_reply<PatchReply>(text);
//
// On the wire, a request is one line: the protocol version `v<n>`, a verb and
// its fields. A reply is lines of records, a tag and its fields, the first
// one `version <n>`, the last one `ok` or `error <message>`:
//
//   v3 status                        ->  version 3 | pid <n> | exe <path> | <patch>... | ok
//   v3 file <module> <project file>  ->  version 3 | build-id <hex> | <code>... | <built>... | ok
//   v3 list [<pattern>]              ->  version 3 | function <name> <file> <line> <runs>... | ok
//   v3 load <patch path>             ->  version 3 | warning <text>... | <patch> | ok
//   v3 rollback [<n>]                ->  version 3 | warning <text>... | <patch> | ok
//   (any)                            ->  version 3 | error <message>
//
// where <patch> is `patch <n> <file> <functions> <state> <loaded-at>` and
// then `changed <name>` and `added <name>` records for it, <code> is
// `code <kind> <hash> <key> <detail> <name>` (<built> the same, tagged
// `built`), and <runs> is `-` (the
// build's code), `patch <n>` or `redirected` (by a mock, say).
//
// Versions. The `v<n>` token and the `version <n>` record keep this shape in
// every version, so each side learns the other's version before it reads
// anything else, and a command and an agent of different softpatch builds
// refuse each other by name instead of misreading records that changed
// shape. An agent runs no request of another version: it answers with its
// `version` record and an error naming both versions. The command says the
// same of a reply whose version is not its own, and of a reply without a
// `version` record: an agent from before versions, which answers `v3 ...`
// with a bare `error unknown request 'v3'`. A command from before versions
// sends a bare verb and reads nothing but a bare `error` line, so a request
// line without a version is answered with that alone (encode_refusal).
//
// Fields are separated by one space; each tag (or verb) has a fixed number of
// fields, and its last field runs to the end of the line, so messages and
// paths stay readable (`error request longer than 4096 bytes`). In every
// field, a control character, DEL or `%` is written `%XX` (two uppercase hex
// digits); in every field but the last a space is too; an empty field is a
// lone `%`. So any byte string — a path with spaces, a function name with
// commas, a file name with a line break — survives the round trip. Parsers
// are strict and trust nothing they read: a reply that breaks this grammar
// is an error, never a guess.
#ifndef SOFTPATCH_PROTOCOL_AGENT_PROTOCOL_H
#define SOFTPATCH_PROTOCOL_AGENT_PROTOCOL_H

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "softpatch/changes/code_fingerprint.h"
#include "softpatch/result.h"

namespace softpatch::protocol {

// The longest request line an agent reads, without its newline.
constexpr std::size_t kMaxRequestBytes = 4096;

// The version of the protocol this softpatch speaks. Raise it whenever a
// request or a record changes shape (a field more, another meaning). The
// protocols before versions, which sent none, count as 1.
constexpr int kProtocolVersion = 3;

// How the error for a side of another protocol version ends, e.g. "the
// agent of process 1234 speaks protocol 3, this softpatch speaks 2: restart
// the program under this softpatch".
inline constexpr char kOtherVersion[] = ": restart the program under this softpatch";

// Whether `error` is that of a side of another protocol version: nothing
// else is to be learnt from it, or asked of that agent.
inline bool speaks_another_version(std::string_view error) {
  std::string_view end(kOtherVersion);
  return error.size() >= end.size() && error.substr(error.size() - end.size()) == end;
}

// How messages name the agent of process `pid`: "the agent of process 1234".
std::string agent_of_process(int pid);

// --- Requests -------------------------------------------------------------

// The program: pid, executable, patches.
struct StatusRequest {};
// The build id of the module that holds a project file's code, and that
// code. A header has a unit in each module that includes it: `module` (a
// build id) asks for that module's, "" for the one a patch of the header is
// bound to (the executable's, where it includes it).
struct FileRequest {
  std::string project_file;  // relative to the project root
  std::string module;
};
// The instrumented functions whose readable name contains `pattern`.
struct ListRequest {
  std::string pattern;  // "" for all
};
// Check and apply the patch file at `path` (absolute).
struct LoadRequest {
  std::string path;
};
// Undo patch `number`, or the latest active one when 0.
struct RollbackRequest {
  int number = 0;
};

using Request = std::variant<StatusRequest, FileRequest, ListRequest, LoadRequest, RollbackRequest>;

// The request line (without its newline), its version first.
std::string encode(const Request& request);

// Parses one request line (without its newline). Errors say what is wrong
// in one line, e.g. "'rollback' takes a patch number, not 'x1'"; a line of
// another protocol version, or of none, is refused naming both versions,
// `agent` (the one parsing) speaking this one.
Result<Request> parse_request(std::string_view line, std::string_view agent = "the agent");

// The reply to a request `line` that was refused with `message` (by
// parse_request, or for a line that never ended): an error reply, which is
// a bare `error` line when `line` does not begin with a version (what a
// command from before versions reads).
std::string encode_refusal(std::string_view line, std::string_view message);

// --- Replies ----------------------------------------------------------------

// A patch as the program knows it.
struct PatchSummary {
  enum class State { kActive, kPending, kRolledBack };
  int number = 0;
  std::string project_file;
  std::size_t functions = 0;
  State state = State::kActive;
  long long loaded_at = 0;  // seconds since the Unix epoch
  // Readable names of the functions it changed and added.
  std::vector<std::string> changed, added;
};

struct StatusReply {
  int pid = 0;
  std::string executable;
  std::vector<PatchSummary> patches;  // oldest first
};

struct FileReply {
  std::string build_id;  // lowercase hex, "" when the module has none
  // The file's code as it runs (its last active patch, else the build),
  // piece by piece, in the file's order.
  std::vector<CodeFingerprint> code;
  // The file's code as it was built: what a patch that carries only the
  // functions that differ from the build compares with. Empty when the
  // program's own code of some function of the file cannot be found (then
  // patches carry the whole file).
  std::vector<CodeFingerprint> built;
};

struct FunctionEntry {
  std::string name;          // readable, e.g. "Store::get(const std::string &)"
  std::string project_file;  // where it is defined
  unsigned line = 0;
  int patch = 0;            // the active patch whose code it runs, 0 when none
  bool redirected = false;  // runs other code than its build's, not a patch's (a mock)
};

struct ListReply {
  std::vector<FunctionEntry> functions;
};

// The answer to load and rollback: the patch loaded or rolled back.
struct PatchReply {
  PatchSummary patch;
  std::vector<std::string> warnings;  // what its lifecycle hooks threw, one line each
};

// The reply type of each request type: ReplyTo<LoadRequest> is PatchReply.
// (Declarations only, for decltype: nothing calls them.)
StatusReply reply_to(StatusRequest);
FileReply reply_to(FileRequest);
ListReply reply_to(ListRequest);
PatchReply reply_to(LoadRequest);
PatchReply reply_to(RollbackRequest);
template <class Request>
using ReplyTo = decltype(reply_to(std::declval<Request>()));

// The reply text, its version record first, each line ending in a newline.
std::string encode(const StatusReply& reply);
std::string encode(const FileReply& reply);
std::string encode(const ListReply& reply);
std::string encode(const PatchReply& reply);
std::string encode_error(std::string_view message);

// How the error of a reply that breaks the grammar begins.
inline constexpr char kMalformedReply[] = "the agent's reply is malformed: ";

// Parses a whole reply of `agent` (as messages name it). An `error` reply is
// an Error with its message; a reply of another protocol version, or of
// none, is an Error naming both versions (ending in kOtherVersion), read no
// further; a reply that breaks the grammar is one too (kMalformedReply, then
// what is wrong).
template <class Reply>
Result<Reply> parse_reply(std::string_view text, std::string_view agent = "the agent");

extern template Result<StatusReply> parse_reply<StatusReply>(std::string_view, std::string_view);
extern template Result<FileReply> parse_reply<FileReply>(std::string_view, std::string_view);
extern template Result<ListReply> parse_reply<ListReply>(std::string_view, std::string_view);
extern template Result<PatchReply> parse_reply<PatchReply>(std::string_view, std::string_view);

// --- Fields -----------------------------------------------------------------

// One field as it goes on the wire (`last`: the line's last field, whose
// spaces stay), and back; decoding fails on a `%` not followed by two hex
// digits and on a byte that should have been escaped.
std::string encode_field(std::string_view bytes, bool last);
Result<std::string> decode_field(std::string_view field, bool last);

}  // namespace softpatch::protocol

#endif  // SOFTPATCH_PROTOCOL_AGENT_PROTOCOL_H
