// The agent's request parser: what it accepts, and the one-line error for
// everything else.
#include "agent_request.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace {

using softpatch::AgentRequest;
using softpatch::parse_agent_request;
using ::testing::HasSubstr;

std::string error_of(std::string_view line) {
  softpatch::Result<AgentRequest> request = parse_agent_request(line);
  return request ? "accepted" : request.error();
}

TEST(AgentRequest, ReadsEachVerbAndItsArgument) {
  softpatch::Result<AgentRequest> load = parse_agent_request("load /tmp/my patch.so");
  ASSERT_TRUE(load) << load.error();
  EXPECT_EQ(load->verb, AgentRequest::Verb::kLoad);
  EXPECT_EQ(load->argument, "/tmp/my patch.so");  // spaces belong to the path

  softpatch::Result<AgentRequest> rollback = parse_agent_request("rollback 12");
  ASSERT_TRUE(rollback);
  EXPECT_EQ(rollback->number, 12);

  softpatch::Result<AgentRequest> latest = parse_agent_request("rollback");
  ASSERT_TRUE(latest);
  EXPECT_EQ(latest->number, 0);

  softpatch::Result<AgentRequest> list = parse_agent_request("list ");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->argument, "");
  EXPECT_TRUE(parse_agent_request("status"));
  EXPECT_TRUE(parse_agent_request("file src/caf\xc3\xa9.cpp"));  // UTF-8 paths
}

TEST(AgentRequest, RefusesWhatIsNotExactlyARequest) {
  EXPECT_EQ(error_of("stat"), "unknown request 'stat'");
  EXPECT_EQ(error_of(""), "unknown request ''");
  EXPECT_EQ(error_of("status now"), "'status' takes no argument");
  EXPECT_EQ(error_of("load"), "'load' takes a path");
  EXPECT_EQ(error_of("load "), "'load' takes a path");
  EXPECT_EQ(error_of("rollback x1"), "'rollback' takes a patch number, not 'x1'");
  EXPECT_EQ(error_of("rollback -1"), "'rollback' takes a patch number, not '-1'");
  EXPECT_EQ(error_of("rollback 007"), "'rollback' takes a patch number, not '007'");
  EXPECT_EQ(error_of("rollback 99999999999"), "'rollback' takes a patch number, not '99999999999'");
  EXPECT_EQ(error_of("rollback 2147483648"), "'rollback' takes a patch number, not '2147483648'");
  EXPECT_EQ(error_of("rollback 2147483647"), "accepted");
  EXPECT_EQ(error_of(std::string_view("load a\0b", 8)),
            "request holds a control character (0x00 at byte 7)");
  EXPECT_EQ(error_of("status\r"), "request holds a control character (0x0d at byte 7)");
  EXPECT_THAT(error_of(std::string(5000, 'x')), HasSubstr("longer than 4096 bytes"));
}

TEST(AgentRequest, EveryAcceptedRequestHasOneLine) {
  for (const char* line : {"status", "list", "list greet", "load /a b", "rollback 3", "rollback"}) {
    softpatch::Result<AgentRequest> request = parse_agent_request(line);
    ASSERT_TRUE(request) << line;
    EXPECT_EQ(softpatch::to_line(*request), line);
  }
}

}  // namespace
