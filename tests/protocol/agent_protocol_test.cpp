// The agent protocol on its own: requests and replies survive the round trip
// whatever bytes they carry, parsers refuse what is not exactly the grammar,
// and the client closes what it opens.
#include "softpatch/protocol/agent_protocol.h"

#include <dirent.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "softpatch/protocol/agent_client.h"
#include "softpatch/protocol/agent_paths.h"

namespace {

namespace protocol = softpatch::protocol;
using protocol::PatchSummary;
using ::testing::HasSubstr;

// This softpatch's protocol version on the wire: the token that begins a
// request ("v2") and the record that begins a reply ("version 2\n").
const std::string kToken = "v" + std::to_string(protocol::kProtocolVersion);
const std::string kRecord = "version " + std::to_string(protocol::kProtocolVersion) + "\n";

// `line` as this softpatch sends it.
std::string v(std::string_view line) { return kToken + " " + std::string(line); }

std::string error_of(std::string_view line) {
  softpatch::Result<protocol::Request> request = protocol::parse_request(line);
  return request ? "accepted" : request.error();
}

template <class Request>
Request parsed_as(std::string_view line) {
  softpatch::Result<protocol::Request> request = protocol::parse_request(line);
  EXPECT_TRUE(request) << line << ": " << (request ? "" : request.error());
  if (!request || !std::holds_alternative<Request>(*request)) {
    ADD_FAILURE() << line << " is not read as the request expected";
    return Request{};
  }
  return std::get<Request>(*request);
}

// Every byte value, and the spellings that broke earlier replies.
const std::string kAwkward[] = {"my logic.cpp",
                                "src/caf\xc3\xa9.cpp",
                                "a%20b",
                                "%",
                                "100%",
                                " lead",
                                "trail ",
                                "two  spaces",
                                "tab\there",
                                "line\nbreak",
                                "del\x7f",
                                std::string("nul\0byte", 8),
                                "Store::get(const std::string &)",
                                "f(int, long)"};

std::string every_byte() {
  std::string bytes;
  for (int i = 1; i < 256; ++i) bytes += static_cast<char>(i);
  return bytes + '\0';
}

TEST(AgentProtocol, ReadsEachVerbAndItsArgument) {
  EXPECT_EQ(parsed_as<protocol::LoadRequest>(v("load /tmp/my patch.so")).path, "/tmp/my patch.so");
  EXPECT_EQ(parsed_as<protocol::RollbackRequest>(v("rollback 12")).number, 12);
  EXPECT_EQ(parsed_as<protocol::RollbackRequest>(v("rollback")).number, 0);
  EXPECT_EQ(parsed_as<protocol::ListRequest>(v("list ")).pattern, "");
  EXPECT_EQ(parsed_as<protocol::ListRequest>(v("list greet")).pattern, "greet");
  parsed_as<protocol::StatusRequest>(v("status"));
  EXPECT_EQ(parsed_as<protocol::FileRequest>(v("file % src/caf\xc3\xa9.cpp")).project_file,
            "src/caf\xc3\xa9.cpp");
  EXPECT_EQ(parsed_as<protocol::FileRequest>(v("file % a%0Ab.cpp")).project_file, "a\nb.cpp");
  protocol::FileRequest in_module = parsed_as<protocol::FileRequest>(v("file 0123abcd my a.h"));
  EXPECT_EQ(in_module.module, "0123abcd");
  EXPECT_EQ(in_module.project_file, "my a.h");
  EXPECT_EQ(parsed_as<protocol::FileRequest>(v("file % a.h")).module, "");
}

TEST(AgentProtocol, RefusesWhatIsNotExactlyARequest) {
  EXPECT_EQ(error_of(v("stat")), "unknown request 'stat'");
  EXPECT_EQ(error_of(v("")), "unknown request ''");
  EXPECT_EQ(error_of(kToken), "unknown request ''");
  EXPECT_EQ(error_of(""), "unknown request ''");
  EXPECT_EQ(error_of("frobnicate now"), "unknown request 'frobnicate'");  // no version either
  EXPECT_EQ(error_of(v("status now")), "'status' takes no argument");
  EXPECT_EQ(error_of(v("load")), "'load' takes a path");
  EXPECT_EQ(error_of(v("load ")), "'load' takes a path");
  EXPECT_EQ(error_of(v("load %")), "'load' takes a path");
  const std::string file_fields =
      "'file' takes a module's build id (% for the module a patch is bound to) and a path";
  EXPECT_EQ(error_of(v("file")), file_fields);
  EXPECT_EQ(error_of(v("file a.cpp")), file_fields);
  EXPECT_EQ(error_of(v("file  a.cpp")), file_fields);  // an empty field is a lone %
  EXPECT_EQ(error_of(v("file % %")), "'file' takes a path");
  EXPECT_THAT(error_of(v("file a%2 b.cpp")), HasSubstr("'%' not followed by two hex digits"));
  EXPECT_EQ(error_of(v("rollback x1")), "'rollback' takes a patch number, not 'x1'");
  EXPECT_EQ(error_of(v("rollback -1")), "'rollback' takes a patch number, not '-1'");
  EXPECT_EQ(error_of(v("rollback 007")), "'rollback' takes a patch number, not '007'");
  EXPECT_EQ(error_of(v("rollback 99999999999")),
            "'rollback' takes a patch number, not '99999999999'");
  EXPECT_EQ(error_of(v("rollback 2147483648")),
            "'rollback' takes a patch number, not '2147483648'");
  EXPECT_EQ(error_of(v("rollback 2147483647")), "accepted");
  // A decoded line break stays out of the one-line error (found by the fuzzer).
  EXPECT_EQ(error_of(v("rollback 5%0Ax")), "'rollback' takes a patch number, not '5%0Ax'");
  EXPECT_EQ(error_of(v("frob%0A")), "unknown request 'frob%0A'");  // the line's own text
  // The line itself is checked before its version is read.
  EXPECT_EQ(error_of(std::string_view("load a\0b", 8)),
            "request holds a control character (0x00 at byte 7)");
  EXPECT_EQ(error_of("status\r"), "request holds a control character (0x0d at byte 7)");
  EXPECT_EQ(error_of("load a\x7f"), "request holds a control character (0x7f at byte 7)");
  EXPECT_THAT(error_of(v("load a%2")), HasSubstr("'%' not followed by two hex digits"));
  EXPECT_THAT(error_of(v("load a%zz")), HasSubstr("'%' not followed by two hex digits"));
  EXPECT_THAT(error_of(std::string(5000, 'x')), HasSubstr("longer than 4096 bytes"));
}

TEST(AgentProtocol, AnyPathOrPatternSurvivesARequest) {
  std::vector<std::string> texts(std::begin(kAwkward), std::end(kAwkward));
  texts.push_back(every_byte());
  for (const std::string& text : texts) {
    std::string load = protocol::encode(protocol::LoadRequest{text});
    EXPECT_EQ(load.find('\n'), std::string::npos);
    EXPECT_EQ(parsed_as<protocol::LoadRequest>(load).path, text);
    protocol::FileRequest file =
        parsed_as<protocol::FileRequest>(protocol::encode(protocol::FileRequest{text, text}));
    EXPECT_EQ(file.project_file, text);
    EXPECT_EQ(file.module, text);
    EXPECT_EQ(
        parsed_as<protocol::ListRequest>(protocol::encode(protocol::ListRequest{text})).pattern,
        text);
  }
  for (const char* line : {"status", "list", "list greet", "load /a b", "rollback 3", "rollback"}) {
    softpatch::Result<protocol::Request> request = protocol::parse_request(v(line));
    ASSERT_TRUE(request) << request.error();
    EXPECT_EQ(protocol::encode(*request), v(line));
  }
}

PatchSummary summary_of(int number, const std::string& file, std::size_t functions,
                        PatchSummary::State state) {
  PatchSummary summary;
  summary.number = number;
  summary.project_file = file;
  summary.functions = functions;
  summary.state = state;
  return summary;
}

TEST(AgentProtocol, APatchOfAFileWithASpaceComesBackWhole) {
  // The old replies were split on spaces: "rolled back patch 1 (my)".
  protocol::PatchReply reply{summary_of(1, "my logic.cpp", 3, PatchSummary::State::kRolledBack),
                             {}};
  softpatch::Result<protocol::PatchReply> back =
      protocol::parse_reply<protocol::PatchReply>(protocol::encode(reply));
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back->patch.project_file, "my logic.cpp");
  EXPECT_EQ(back->patch.number, 1);
  EXPECT_EQ(back->patch.functions, 3u);
  EXPECT_EQ(back->patch.state, PatchSummary::State::kRolledBack);
}

TEST(AgentProtocol, EveryReplySurvivesTheRoundTrip) {
  std::vector<std::string> texts(std::begin(kAwkward), std::end(kAwkward));
  texts.push_back(every_byte());
  texts.push_back("");
  for (const std::string& text : texts) {
    protocol::StatusReply status{42, text, {summary_of(7, text, 2, PatchSummary::State::kPending)}};
    softpatch::Result<protocol::StatusReply> s =
        protocol::parse_reply<protocol::StatusReply>(protocol::encode(status));
    ASSERT_TRUE(s) << s.error();
    EXPECT_EQ(s->pid, 42);
    EXPECT_EQ(s->executable, text);
    ASSERT_EQ(s->patches.size(), 1u);
    EXPECT_EQ(s->patches[0].project_file, text);
    EXPECT_EQ(s->patches[0].state, PatchSummary::State::kPending);

    protocol::ListReply list{
        {{text, text, 12, 4, false}, {"g()", "b.cpp", 3, 0, false}, {"h()", "c.cpp", 1, 0, true}}};
    softpatch::Result<protocol::ListReply> l =
        protocol::parse_reply<protocol::ListReply>(protocol::encode(list));
    ASSERT_TRUE(l) << l.error();
    ASSERT_EQ(l->functions.size(), 3u);
    EXPECT_EQ(l->functions[0].name, text);
    EXPECT_EQ(l->functions[0].project_file, text);
    EXPECT_EQ(l->functions[0].line, 12u);
    EXPECT_EQ(l->functions[0].patch, 4);
    EXPECT_FALSE(l->functions[0].redirected);
    EXPECT_EQ(l->functions[1].patch, 0);
    EXPECT_FALSE(l->functions[1].redirected);
    EXPECT_EQ(l->functions[2].patch, 0);
    EXPECT_TRUE(l->functions[2].redirected);

    PatchSummary summary = summary_of(3, text, 9, PatchSummary::State::kActive);
    summary.loaded_at = 1764680000;
    summary.changed = {text, "Store::get"};
    summary.added = {text};
    protocol::PatchReply patch{summary, {text, "second"}};
    softpatch::Result<protocol::PatchReply> p =
        protocol::parse_reply<protocol::PatchReply>(protocol::encode(patch));
    ASSERT_TRUE(p) << p.error();
    EXPECT_EQ(p->patch.project_file, text);
    EXPECT_EQ(p->warnings, (std::vector<std::string>{text, "second"}));
    EXPECT_EQ(p->patch.loaded_at, 1764680000);
    EXPECT_EQ(p->patch.changed, summary.changed);
    EXPECT_EQ(p->patch.added, summary.added);

    protocol::FileReply file{
        text,
        {{softpatch::CodeKind::kUnpatchable, "k" + text, text, text, "0123456789abcdef"},
         {softpatch::CodeKind::kConstructor, "k", text, "", "fedcba9876543210"}},
        {{softpatch::CodeKind::kFunction, "b" + text, text, "", "00112233445566ff"}}};
    softpatch::Result<protocol::FileReply> f =
        protocol::parse_reply<protocol::FileReply>(protocol::encode(file));
    ASSERT_TRUE(f) << f.error();
    EXPECT_EQ(f->build_id, text);
    ASSERT_EQ(f->code.size(), 2u);
    EXPECT_EQ(f->code[0].kind, softpatch::CodeKind::kUnpatchable);
    EXPECT_EQ(f->code[0].key, "k" + text);
    EXPECT_EQ(f->code[0].name, text);
    EXPECT_EQ(f->code[0].detail, text);
    EXPECT_EQ(f->code[1].detail, "");
    EXPECT_EQ(f->code[1].hash, "fedcba9876543210");
    ASSERT_EQ(f->built.size(), 1u);
    EXPECT_EQ(f->built[0].key, "b" + text);
    EXPECT_EQ(f->built[0].hash, "00112233445566ff");

    softpatch::Result<protocol::PatchReply> e =
        protocol::parse_reply<protocol::PatchReply>(protocol::encode_error(text));
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error(), text);
  }
}

TEST(AgentProtocol, AnErrorReplyReadsAsItsMessage) {
  std::string reply = protocol::encode_error("softpatch: a.so: built for another program");
  // Readable on the wire.
  EXPECT_EQ(reply, kRecord + "error softpatch: a.so: built for another program\n");
  softpatch::Result<protocol::ListReply> list = protocol::parse_reply<protocol::ListReply>(reply);
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error(), "softpatch: a.so: built for another program");
}

TEST(AgentProtocol, RefusesCodeRecordsThatBreakTheGrammar) {
  for (const char* reply : {"build-id ab\ncode closure 0123456789abcdef k % n\nok\n",
                            "build-id ab\ncode function 0123456789ABCDEF k % n\nok\n",
                            "build-id ab\ncode function 01234 k % n\nok\n",
                            "build-id ab\ncode function 0123456789abcdef % % n\nok\n",
                            "build-id ab\nfunction a b 1 -\nok\n",
                            // the build's code after the running code, never among it
                            "build-id ab\nbuilt function 0123456789abcdef k % n\n"
                            "code function 0123456789abcdef k % n\nok\n"}) {
    softpatch::Result<protocol::FileReply> parsed =
        protocol::parse_reply<protocol::FileReply>(kRecord + reply);
    ASSERT_FALSE(parsed) << reply;
    EXPECT_THAT(parsed.error(), ::testing::StartsWith(protocol::kMalformedReply)) << reply;
  }
}

TEST(AgentProtocol, RefusesRepliesThatBreakTheGrammar) {
  auto malformed = [](std::string_view records) {
    std::string text = kRecord + std::string(records);
    softpatch::Result<protocol::PatchReply> reply =
        protocol::parse_reply<protocol::PatchReply>(text);
    return !reply && reply.error().rfind(protocol::kMalformedReply, 0) == 0;
  };
  EXPECT_TRUE(malformed(""));                                              // only its version
  EXPECT_TRUE(malformed("patch 1 a.cpp 2 active 1764680000\n"));           // no closing line
  EXPECT_TRUE(malformed("patch 1 a.cpp 2 active 1764680000\nok"));         // no newline at the end
  EXPECT_TRUE(malformed("ok\n"));                                          // no patch
  EXPECT_TRUE(malformed("patch 1 a b.cpp 2 active 1764680000\nok\n"));     // an unescaped space
  EXPECT_TRUE(malformed("patch x a.cpp 2 active 1764680000\nok\n"));       // not a number
  EXPECT_TRUE(malformed("patch 1 a.cpp 2 sleeping 1764680000\nok\n"));     // no such state
  EXPECT_TRUE(malformed("patch 1 a.cpp 2 active 1764680000\nok\nok\n"));   // after the end
  EXPECT_TRUE(malformed("frob 1\nok\n"));                                  // no such record
  EXPECT_TRUE(malformed("patch 1 a.cpp 2 active 1764680000\nok more\n"));  // ok takes nothing
  EXPECT_TRUE(malformed("patch 1 a%2.cpp 2 active 1764680000\nok\n"));     // a broken escape
  EXPECT_TRUE(malformed("patch 1 a.cpp 2 active\nok\n"));                  // no time
  EXPECT_TRUE(malformed("patch 1 a.cpp 2 active -1\nok\n"));               // a bad time
  EXPECT_TRUE(malformed("changed f\npatch 1 a.cpp 2 active 0\nok\n"));     // before its patch
  EXPECT_TRUE(malformed(kRecord + "patch 1 a.cpp 2 active 0\nok\n"));      // a second version
  EXPECT_FALSE(malformed("warning hook threw\npatch 1 a.cpp 2 active 1764680000\nok\n"));
  EXPECT_FALSE(malformed("patch 1 a.cpp 2 active 0\nchanged f()\nadded g\nok\n"));
  auto version_malformed = [](std::string_view text) {
    softpatch::Result<protocol::ListReply> reply = protocol::parse_reply<protocol::ListReply>(text);
    return !reply && reply.error().rfind(protocol::kMalformedReply, 0) == 0;
  };
  EXPECT_TRUE(version_malformed(""));                   // the program exited
  EXPECT_TRUE(version_malformed("version 2"));          // cut off
  EXPECT_TRUE(version_malformed("version x\nok\n"));    // not a number
  EXPECT_TRUE(version_malformed("version 02\nok\n"));   // not plain digits
  EXPECT_TRUE(version_malformed("version 2 3\nok\n"));  // one field
  EXPECT_TRUE(version_malformed("version\nok\n"));      // none
}

// Another softpatch build's requests and replies: refused by name, before
// anything in them is read (their records may mean something else), from
// agents and commands before versions as well.
TEST(AgentProtocol, AnotherProtocolVersionIsRefusedByName) {
  const int ours = protocol::kProtocolVersion;
  const std::string newer = std::to_string(ours + 1), older = std::to_string(ours - 1);
  const std::string agent = "the agent of process 1234";
  auto request_error = [&](std::string_view line) {
    softpatch::Result<protocol::Request> request = protocol::parse_request(line, agent);
    return request ? "accepted" : request.error();
  };
  // An agent to a newer and an older command, and to one before versions.
  std::string restart = ": restart the program under this softpatch";
  EXPECT_EQ(request_error("v" + newer + " status"),
            agent + " speaks protocol " + std::to_string(ours) + ", this softpatch speaks " +
                newer + restart);
  EXPECT_EQ(request_error("v" + older + " load /tmp/a.so"),
            agent + " speaks protocol " + std::to_string(ours) + ", this softpatch speaks " +
                older + restart);
  for (const char* old_line : {"status", "load /tmp/p.so", "rollback", "list greet", "file a.cpp"})
    EXPECT_EQ(request_error(old_line), agent + " speaks protocol " + std::to_string(ours) +
                                           ", this softpatch speaks an older, unversioned one" +
                                           restart)
        << old_line;
  EXPECT_TRUE(protocol::speaks_another_version(request_error("load /tmp/p.so")));
  EXPECT_FALSE(protocol::speaks_another_version(request_error(v("load"))));

  // Its refusal carries its version, but not to a command before versions,
  // which reads a bare error line and nothing else.
  EXPECT_EQ(protocol::encode_refusal("load /tmp/p.so", "why"), "error why\n");
  EXPECT_EQ(protocol::encode_refusal("", "why"), "error why\n");
  EXPECT_EQ(protocol::encode_refusal("v" + newer + " status", "why"), kRecord + "error why\n");
  EXPECT_EQ(protocol::encode_refusal(v("frob"), "why"), kRecord + "error why\n");

  // A command to agents of other versions, whatever follows the version:
  // a newer agent's patch record may have a field more.
  auto reply_error = [&](std::string_view text) {
    softpatch::Result<protocol::PatchReply> reply =
        protocol::parse_reply<protocol::PatchReply>(text, agent);
    return reply ? "accepted" : reply.error();
  };
  EXPECT_EQ(reply_error("version " + newer + "\npatch 1 a.cpp 2 active 1764680000 new\nok\n"),
            agent + " speaks protocol " + newer + ", this softpatch speaks " +
                std::to_string(ours) + restart);
  EXPECT_EQ(reply_error("version " + older + "\nerror something\n"),
            agent + " speaks protocol " + older + ", this softpatch speaks " +
                std::to_string(ours) + restart);
  // An agent before versions: its answer to "v2 ...", and replies of its
  // own shape (no load time), are not malformed but another version.
  std::string unversioned = agent +
                            " speaks an older, unversioned protocol, this softpatch speaks " +
                            std::to_string(ours) + restart;
  EXPECT_EQ(reply_error("error unknown request '" + kToken + "'\n"), unversioned);
  EXPECT_EQ(reply_error("patch 1 a.cpp 2 active\nok\n"), unversioned);
  EXPECT_EQ(reply_error("frob\n"), unversioned);
  EXPECT_TRUE(protocol::speaks_another_version(unversioned));
  EXPECT_FALSE(protocol::speaks_another_version(reply_error(kRecord + "error why\n")));
  EXPECT_EQ(reply_error(kRecord + "error why\n"), "why");
  EXPECT_EQ(protocol::agent_of_process(1234), agent);
}

// The number of descriptors this process has open.
int open_descriptors() {
  int count = 0;
  if (DIR* dir = opendir("/proc/self/fd")) {
    while (readdir(dir)) ++count;
    closedir(dir);
  }
  return count;
}

TEST(AgentClient, ClosesWhatItOpensWhenARequestCannotBeSent) {
  char dir[] = "/tmp/softpatch-protocol-test-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  setenv("XDG_RUNTIME_DIR", dir, 1);
  int before = open_descriptors();
  for (int i = 0; i < 20; ++i) {
    softpatch::Result<std::string> refused = protocol::exchange(1, "load a\nb");
    EXPECT_FALSE(refused);
    EXPECT_THAT(refused.error(), HasSubstr("one line"));
    softpatch::Result<std::string> nobody = protocol::exchange(1, "status");
    EXPECT_FALSE(nobody);
    EXPECT_THAT(nobody.error(), HasSubstr("no softpatch agent in process 1"));
    softpatch::Result<std::string> too_long = protocol::exchange(1, std::string(5000, 'x'));
    EXPECT_FALSE(too_long);
    too_long.ignore();
  }
  EXPECT_EQ(open_descriptors(), before);
  std::string agents = std::string(dir) + "/softpatch";
  EXPECT_EQ(rmdir(agents.c_str()), 0);
  EXPECT_EQ(rmdir(dir), 0);
}

TEST(AgentPaths, TheDirectoryIsTheUsersOwnOrRefused) {
  char dir[] = "/tmp/softpatch-protocol-test-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  setenv("XDG_RUNTIME_DIR", dir, 1);
  softpatch::Result<std::string> agents = protocol::agent_directory();
  ASSERT_TRUE(agents) << agents.error();
  EXPECT_EQ(*agents, std::string(dir) + "/softpatch");
  EXPECT_EQ(protocol::socket_path(*agents, 12), *agents + "/12.sock");
  EXPECT_EQ(protocol::lock_path(*agents, 12), *agents + "/12.lock");
  ASSERT_EQ(chmod(agents->c_str(), 0755), 0);
  softpatch::Result<std::string> loose = protocol::agent_directory();
  ASSERT_FALSE(loose);
  EXPECT_THAT(loose.error(), HasSubstr("mode 0700"));
  EXPECT_EQ(rmdir(agents->c_str()), 0);
  EXPECT_EQ(rmdir(dir), 0);
}

}  // namespace
