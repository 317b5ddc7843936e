#include "softpatch/protocol/agent_protocol.h"

#include <algorithm>
#include <climits>
#include <cstdio>
#include <iterator>
#include <optional>
#include <string>

namespace softpatch::protocol {
namespace {

bool must_escape(unsigned char byte, bool last) {
  return byte < 0x20 || byte == 0x7f || byte == '%' || (byte == ' ' && !last);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::string encode_text(std::string_view bytes);

// `text` in quotes for a one-line message, cut after 40 bytes (not inside
// a UTF-8 character). Decoded text (`decoded`) has its control characters
// written as on the wire; raw text from the line has none.
std::string quoted(std::string_view text, bool decoded = false) {
  std::size_t cut = text.size() <= 40 ? text.size() : 40;
  while (cut < text.size() && cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xc0) == 0x80)
    --cut;
  std::string shown = decoded ? encode_text(text.substr(0, cut)) : std::string(text.substr(0, cut));
  return "'" + shown + (cut < text.size() ? "...'" : "'");
}

// A patch number: 1 to INT_MAX in plain decimal digits.
std::optional<int> parse_number(std::string_view text) {
  if (text.empty() || text.size() > 10 || text[0] == '0') return std::nullopt;
  long long value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value > INT_MAX) return std::nullopt;
  return static_cast<int>(value);
}

// The line's fields after its tag: `count` of them, the last running to the
// end of the line. Nothing when the line has fewer.
std::optional<std::vector<std::string_view>> split(std::string_view rest, std::size_t count) {
  std::vector<std::string_view> fields;
  while (fields.size() + 1 < count) {
    std::size_t space = rest.find(' ');
    if (space == std::string_view::npos) return std::nullopt;
    fields.push_back(rest.substr(0, space));
    rest.remove_prefix(space + 1);
  }
  if (count > 0) fields.push_back(rest);
  return fields;
}

// --- Requests ---

using Verb = std::size_t;  // the index of the request type in Request
constexpr std::string_view kVerbs[] = {"status", "file", "list", "load", "rollback"};
static_assert(std::size(kVerbs) == std::variant_size_v<Request>);

Error control_character_in(std::string_view line, std::size_t at) {
  char byte[8];
  std::snprintf(byte, sizeof byte, "0x%02x", static_cast<unsigned char>(line[at]));
  return Error{std::string("request holds a control character (") + byte + " at byte " +
               std::to_string(at + 1) + ")"};
}

// The protocol version a request line begins with (`v2 status`), if any.
std::optional<int> version_of(std::string_view line) {
  std::string_view word = line.substr(0, line.find(' '));
  if (word.size() < 2 || word[0] != 'v') return std::nullopt;
  return parse_number(word.substr(1));
}

// "<agent> speaks <agent_speaks>, this softpatch speaks <command_speaks>:
// restart ...", said by either side to the person at the command line.
Error versions_differ(std::string_view agent, const std::string& agent_speaks,
                      const std::string& command_speaks) {
  return Error{std::string(agent) + " speaks " + agent_speaks + ", this softpatch speaks " +
               command_speaks + kOtherVersion};
}

std::string protocol_number(int version) { return "protocol " + std::to_string(version); }

// A line without a version: a known verb is a command from before versions.
Error unversioned(std::string_view line, std::string_view agent) {
  std::string_view word = line.substr(0, line.find(' '));
  if (std::find(std::begin(kVerbs), std::end(kVerbs), word) == std::end(kVerbs))
    return Error{"unknown request " + quoted(word)};
  return versions_differ(agent, protocol_number(kProtocolVersion), "an older, unversioned one");
}

// `file`'s fields: the module's build id ("" for the file's own) and the
// project file.
Result<Request> file_request(std::optional<std::string_view> raw) {
  std::optional<std::vector<std::string_view>> fields;
  if (raw) fields = split(*raw, 2);
  if (!fields || (*fields)[0].empty())
    return Error{
        "'file' takes a module's build id (% for the module a patch is bound to) and a path"};
  Result<std::string> module = decode_field((*fields)[0], false);
  if (!module) return Error{"request " + module.error()};
  Result<std::string> path = decode_field((*fields)[1], true);
  if (!path) return Error{"request " + path.error()};
  if (path->empty()) return Error{"'file' takes a path"};
  return Request{FileRequest{std::move(*path), std::move(*module)}};
}

Result<Request> request_of(Verb verb, std::string_view word, std::optional<std::string> argument) {
  std::string name(word);
  switch (verb) {
    case 0:
      if (argument) return Error{"'status' takes no argument"};
      return Request{StatusRequest{}};
    case 3:
      if (!argument || argument->empty()) return Error{"'" + name + "' takes a path"};
      return Request{LoadRequest{std::move(*argument)}};
    case 2:
      return Request{ListRequest{argument ? std::move(*argument) : ""}};
    default:
      break;
  }
  if (!argument) return Request{RollbackRequest{0}};
  std::optional<int> number = parse_number(*argument);
  if (!number) return Error{"'rollback' takes a patch number, not " + quoted(*argument, true)};
  return Request{RollbackRequest{*number}};
}

// --- Replies ---

constexpr std::string_view kStates[] = {"active", "pending", "rolled-back"};

std::string line_of(std::string_view tag, std::initializer_list<std::string_view> fields) {
  std::string line(tag);
  std::size_t i = 0;
  for (std::string_view field : fields) line += " " + encode_field(field, ++i == fields.size());
  return line + "\n";
}

// The first line of every reply.
std::string version_line() { return line_of("version", {std::to_string(kProtocolVersion)}); }

std::string patch_lines(const PatchSummary& patch) {
  std::string text = line_of(
      "patch", {std::to_string(patch.number), patch.project_file, std::to_string(patch.functions),
                kStates[static_cast<std::size_t>(patch.state)], std::to_string(patch.loaded_at)});
  for (const std::string& name : patch.changed) text += line_of("changed", {name});
  for (const std::string& name : patch.added) text += line_of("added", {name});
  return text;
}

// What a function runs, as the last field of its record.
std::string runs_field(const FunctionEntry& f) {
  if (f.patch) return "patch " + std::to_string(f.patch);
  return f.redirected ? "redirected" : "-";
}

// One record of a reply: its tag and decoded fields.
struct Record {
  std::string tag;
  std::vector<std::string> fields;
};

Error malformed(const std::string& why) { return Error{kMalformedReply + why}; }

// The number of fields each tag has.
std::optional<std::size_t> arity(std::string_view tag) {
  struct Tag {
    std::string_view name;
    std::size_t fields;
  };
  static constexpr Tag kTags[] = {{"ok", 0},       {"error", 1},    {"warning", 1}, {"pid", 1},
                                  {"exe", 1},      {"patch", 5},    {"changed", 1}, {"added", 1},
                                  {"build-id", 1}, {"function", 4}, {"code", 5},    {"built", 5}};
  for (const Tag& t : kTags)
    if (t.name == tag) return t.fields;
  return std::nullopt;
}

// The reply's records up to and including its closing `ok` (an `error`
// closing line is returned as the Error).
Result<std::vector<Record>> records_of(std::string_view text) {
  std::vector<Record> records;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    if (end == std::string_view::npos) return malformed("its last line has no newline");
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end + 1);
    std::size_t space = line.find(' ');
    std::string_view tag = line.substr(0, space);
    std::optional<std::size_t> count = arity(tag);
    if (!count) return malformed("unknown record " + quoted(tag));
    std::string_view rest = space == std::string_view::npos ? "" : line.substr(space + 1);
    if (*count == 0 && space != std::string_view::npos)
      return malformed("'" + std::string(tag) + "' takes no fields");
    std::optional<std::vector<std::string_view>> raw;
    if (*count > 0 && space != std::string_view::npos) raw = split(rest, *count);
    if (*count > 0 && !raw)
      return malformed("'" + std::string(tag) + "' takes " + std::to_string(*count) + " fields");
    Record record{std::string(tag), {}};
    for (std::size_t i = 0; raw && i < raw->size(); ++i) {
      Result<std::string> field = decode_field((*raw)[i], i + 1 == raw->size());
      if (!field) return malformed(field.error());
      record.fields.push_back(std::move(*field));
    }
    if (record.tag == "error") return Error{record.fields[0]};
    bool closing = record.tag == "ok";
    records.push_back(std::move(record));
    if (closing) {
      if (!text.empty()) return malformed("lines after its closing 'ok'");
      return records;
    }
  }
  return malformed("no closing 'ok' or 'error' line (did the program exit?)");
}

// The records of `text` after its version record, when it is this
// softpatch's; a reply without one comes from an agent before versions.
Result<std::string_view> after_version(std::string_view text, std::string_view agent) {
  std::size_t end = text.find('\n');
  if (text.empty() || end == std::string_view::npos) return text;  // records_of says what is wrong
  std::string_view line = text.substr(0, end);
  std::size_t space = line.find(' ');
  if (line.substr(0, space) != "version")
    return versions_differ(agent, "an older, unversioned protocol",
                           std::to_string(kProtocolVersion));
  std::optional<int> version =
      parse_number(space == std::string_view::npos ? "" : line.substr(space + 1));
  if (!version) return malformed("a bad version record " + quoted(line));
  if (*version != kProtocolVersion)
    return versions_differ(agent, protocol_number(*version), std::to_string(kProtocolVersion));
  return text.substr(end + 1);
}

std::optional<unsigned long long> parse_count(const std::string& text, unsigned long long max) {
  if (text.empty() || text.size() > 19 || (text.size() > 1 && text[0] == '0')) return std::nullopt;
  unsigned long long value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > max) return std::nullopt;
  return value;
}

Result<PatchSummary> patch_of(const Record& record) {
  PatchSummary patch;
  std::optional<int> number = parse_number(record.fields[0]);
  std::optional<unsigned long long> functions = parse_count(record.fields[2], SIZE_MAX);
  std::optional<unsigned long long> loaded_at = parse_count(record.fields[4], LLONG_MAX);
  if (!number || !functions || !loaded_at) return malformed("a patch record with bad numbers");
  patch.loaded_at = static_cast<long long>(*loaded_at);
  patch.number = *number;
  patch.project_file = record.fields[1];
  patch.functions = static_cast<std::size_t>(*functions);
  std::size_t state = 0;
  while (state < std::size(kStates) && kStates[state] != record.fields[3]) ++state;
  if (state == std::size(kStates))
    return malformed("unknown patch state " + quoted(record.fields[3]));
  patch.state = static_cast<PatchSummary::State>(state);
  return patch;
}

bool is_change(const Record& record) { return record.tag == "changed" || record.tag == "added"; }

// A `changed` or `added` record, into the patch it follows.
void add_change(PatchSummary& patch, Record& record) {
  (record.tag == "changed" ? patch.changed : patch.added).push_back(std::move(record.fields[0]));
}

// Each reply type's records, read into it. `unexpected` names a record the
// reply type has no place for.
Error unexpected(const Record& record) {
  return malformed("unexpected record '" + record.tag + "'");
}

Result<StatusReply> read_reply(std::vector<Record>& records, StatusReply reply) {
  bool pid = false, exe = false;
  for (Record& record : records) {
    if (record.tag == "ok") break;
    if (record.tag == "pid") {
      std::optional<int> value = parse_number(record.fields[0]);
      if (!value) return malformed("a bad pid");
      reply.pid = *value;
      pid = true;
    } else if (record.tag == "exe") {
      reply.executable = std::move(record.fields[0]);
      exe = true;
    } else if (record.tag == "patch") {
      Result<PatchSummary> patch = patch_of(record);
      if (!patch) return patch.take_error();
      reply.patches.push_back(std::move(*patch));
    } else if (is_change(record) && !reply.patches.empty()) {
      add_change(reply.patches.back(), record);
    } else {
      return unexpected(record);
    }
  }
  if (!pid || !exe) return malformed("no pid or exe");
  return reply;
}

Result<CodeFingerprint> code_of(Record& record) {
  std::optional<CodeKind> kind = kind_from_word(record.fields[0]);
  if (!kind || !is_code_hash(record.fields[1]) || record.fields[2].empty())
    return malformed("a bad code record");
  return CodeFingerprint{*kind, std::move(record.fields[2]), std::move(record.fields[4]),
                         std::move(record.fields[3]), std::move(record.fields[1])};
}

Result<FileReply> read_reply(std::vector<Record>& records, FileReply reply) {
  if (records.size() < 2 || records[0].tag != "build-id") return malformed("no build-id");
  reply.build_id = std::move(records[0].fields[0]);
  for (std::size_t i = 1; i < records.size(); ++i) {
    Record& record = records[i];
    if (record.tag == "ok") break;
    if (record.tag != "code" && record.tag != "built") return unexpected(record);
    bool built = record.tag == "built";
    if (!built && !reply.built.empty()) return unexpected(record);  // code comes first
    Result<CodeFingerprint> code = code_of(record);
    if (!code) return code.take_error();
    (built ? reply.built : reply.code).push_back(std::move(*code));
  }
  return reply;
}

Result<ListReply> read_reply(std::vector<Record>& records, ListReply reply) {
  for (Record& record : records) {
    if (record.tag == "ok") break;
    if (record.tag != "function") return unexpected(record);
    std::optional<unsigned long long> line = parse_count(record.fields[2], UINT_MAX);
    const std::string& runs = record.fields[3];
    std::optional<int> patch;
    if (runs.rfind("patch ", 0) == 0) patch = parse_number(std::string_view(runs).substr(6));
    if (!line || (!patch && runs != "redirected" && runs != "-"))
      return malformed("a bad function record");
    reply.functions.push_back({std::move(record.fields[0]), std::move(record.fields[1]),
                               static_cast<unsigned>(*line), patch.value_or(0),
                               runs == "redirected"});
  }
  return reply;
}

Result<PatchReply> read_reply(std::vector<Record>& records, PatchReply reply) {
  bool patch = false;
  for (Record& record : records) {
    if (record.tag == "ok") break;
    if (record.tag == "warning" && !patch) {
      reply.warnings.push_back(std::move(record.fields[0]));
    } else if (record.tag == "patch" && !patch) {
      Result<PatchSummary> summary = patch_of(record);
      if (!summary) return summary.take_error();
      reply.patch = std::move(*summary);
      patch = true;
    } else if (is_change(record) && patch) {
      add_change(reply.patch, record);
    } else {
      return unexpected(record);
    }
  }
  if (!patch) return malformed("no patch record");
  return reply;
}

}  // namespace

namespace {
std::string encode_text(std::string_view bytes) {
  return bytes.empty() ? "" : encode_field(bytes, true);
}
}  // namespace

std::string encode_field(std::string_view bytes, bool last) {
  if (bytes.empty()) return "%";
  static const char digits[] = "0123456789ABCDEF";
  std::string out;
  for (char c : bytes) {
    auto byte = static_cast<unsigned char>(c);
    if (!must_escape(byte, last)) {
      out += c;
      continue;
    }
    out += '%';
    out += digits[byte >> 4];
    out += digits[byte & 15];
  }
  return out;
}

Result<std::string> decode_field(std::string_view field, bool last) {
  if (field == "%") return std::string();
  std::string out;
  for (std::size_t i = 0; i < field.size(); ++i) {
    auto byte = static_cast<unsigned char>(field[i]);
    if (byte != '%') {
      if (must_escape(byte, last))
        return Error{"a field holds a byte that must be escaped (byte " + std::to_string(i + 1) +
                     ")"};
      out += field[i];
      continue;
    }
    int high = i + 1 < field.size() ? hex_value(field[i + 1]) : -1;
    int low = i + 2 < field.size() ? hex_value(field[i + 2]) : -1;
    if (high >= 0 && low >= 0) {
      out += static_cast<char>(high * 16 + low);
      i += 2;
      continue;
    }
    return Error{"a field holds a '%' not followed by two hex digits (byte " +
                 std::to_string(i + 1) + ")"};
  }
  return out;
}

std::string agent_of_process(int pid) { return "the agent of process " + std::to_string(pid); }

std::string encode(const Request& request) {
  std::string line = "v" + std::to_string(kProtocolVersion) + " ";
  line += kVerbs[request.index()];
  if (const auto* file = std::get_if<FileRequest>(&request))
    return line + " " + encode_field(file->module, false) + " " +
           encode_field(file->project_file, true);
  if (const auto* list = std::get_if<ListRequest>(&request))
    return list->pattern.empty() ? line : line + " " + encode_field(list->pattern, true);
  if (const auto* load = std::get_if<LoadRequest>(&request))
    return line + " " + encode_field(load->path, true);
  if (const auto* rollback = std::get_if<RollbackRequest>(&request))
    return rollback->number ? line + " " + std::to_string(rollback->number) : line;
  return line;
}

Result<Request> parse_request(std::string_view line, std::string_view agent) {
  if (line.size() > kMaxRequestBytes)
    return Error{"request longer than " + std::to_string(kMaxRequestBytes) + " bytes"};
  for (std::size_t i = 0; i < line.size(); ++i) {
    auto byte = static_cast<unsigned char>(line[i]);
    if (byte < 0x20 || byte == 0x7f) return control_character_in(line, i);
  }
  // Before anything else: what follows the version may mean something else
  // in another one.
  std::optional<int> version = version_of(line);
  if (!version) return unversioned(line, agent);
  if (*version != kProtocolVersion)
    return versions_differ(agent, protocol_number(kProtocolVersion), std::to_string(*version));
  std::size_t after = line.find(' ');
  line.remove_prefix(after == std::string_view::npos ? line.size() : after + 1);
  std::size_t space = line.find(' ');
  std::string_view word = line.substr(0, space);
  Verb verb = 0;
  while (verb < std::size(kVerbs) && kVerbs[verb] != word) ++verb;
  if (verb == std::size(kVerbs)) return Error{"unknown request " + quoted(word)};
  if (verb == 1)
    return file_request(space == std::string_view::npos
                            ? std::nullopt
                            : std::optional<std::string_view>(line.substr(space + 1)));
  std::optional<std::string> argument;
  if (space != std::string_view::npos) {
    std::string_view raw = line.substr(space + 1);
    if (raw.empty()) {
      argument = "";
    } else {
      Result<std::string> decoded = decode_field(raw, true);
      if (!decoded) return Error{"request " + decoded.error()};
      argument = std::move(*decoded);
    }
  }
  return request_of(verb, word, std::move(argument));
}

std::string encode_refusal(std::string_view line, std::string_view message) {
  std::string error = line_of("error", {message});
  return version_of(line) ? version_line() + error : error;
}

std::string encode(const StatusReply& reply) {
  std::string text = version_line() + line_of("pid", {std::to_string(reply.pid)});
  text += line_of("exe", {reply.executable});
  for (const PatchSummary& patch : reply.patches) text += patch_lines(patch);
  return text + "ok\n";
}

std::string encode(const FileReply& reply) {
  std::string text = version_line() + line_of("build-id", {reply.build_id});
  auto add = [&](const char* tag, const CodeFingerprint& code) {
    text += line_of(
        tag, {std::string(kind_word(code.kind)), code.hash, code.key, code.detail, code.name});
  };
  for (const CodeFingerprint& code : reply.code) add("code", code);
  for (const CodeFingerprint& code : reply.built) add("built", code);
  return text + "ok\n";
}

std::string encode(const ListReply& reply) {
  std::string text = version_line();
  for (const FunctionEntry& f : reply.functions)
    text += line_of("function", {f.name, f.project_file, std::to_string(f.line), runs_field(f)});
  return text + "ok\n";
}

std::string encode(const PatchReply& reply) {
  std::string text = version_line();
  for (const std::string& warning : reply.warnings) text += line_of("warning", {warning});
  return text + patch_lines(reply.patch) + "ok\n";
}

std::string encode_error(std::string_view message) {
  return version_line() + line_of("error", {message});
}

template <class Reply>
Result<Reply> parse_reply(std::string_view text, std::string_view agent) {
  Result<std::string_view> rest = after_version(text, agent);
  if (!rest) return rest.take_error();
  Result<std::vector<Record>> records = records_of(*rest);
  if (!records) return records.take_error();
  return read_reply(*records, Reply{});
}

template Result<StatusReply> parse_reply<StatusReply>(std::string_view, std::string_view);
template Result<FileReply> parse_reply<FileReply>(std::string_view, std::string_view);
template Result<ListReply> parse_reply<ListReply>(std::string_view, std::string_view);
template Result<PatchReply> parse_reply<PatchReply>(std::string_view, std::string_view);

}  // namespace softpatch::protocol
