// An instrumented program run without SOFTPATCH_AGENT=1: its agent opens no
// socket and starts no thread (the loader is linked, as softpatch_instrument
// links it, and its static objects have run).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "softpatch/agent.h"
#include "softpatch/protocol/agent_paths.h"
#include "target.h"

namespace {

long entries(const char* directory) {
  return std::distance(std::filesystem::directory_iterator(directory),
                       std::filesystem::directory_iterator{});
}

TEST(AgentOff, NoThreadAndNoSocketUnlessAsked) {
  const char* enabled = std::getenv("SOFTPATCH_AGENT");
  if (enabled && std::string(enabled) == "1") GTEST_SKIP() << "SOFTPATCH_AGENT=1 is set";
  EXPECT_EQ(answer(), 41);  // instrumented code runs
  EXPECT_EQ(entries("/proc/self/task"), 1) << "a thread was started";
  for (const auto& fd : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code error;
    std::string target = std::filesystem::read_symlink(fd.path(), error).string();
    EXPECT_EQ(target.rfind("socket:", 0), std::string::npos) << "a socket is open";
  }
  softpatch::Result<std::string> dir = softpatch::protocol::agent_directory();
  ASSERT_TRUE(dir) << dir.error();
  std::string socket = softpatch::protocol::socket_path(*dir, getpid());
  struct stat info;
  EXPECT_NE(stat(socket.c_str(), &info), 0) << socket << " exists";
}

}  // namespace
