// The agent of a real process (this one, run with SOFTPATCH_AGENT=1) against
// clients that misbehave: each gets an error or is cut off, and the agent
// keeps answering everyone else.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "softpatch/agent.h"
#include "softpatch/protocol/agent_client.h"
#include "softpatch/protocol/agent_paths.h"
#include "softpatch/protocol/agent_protocol.h"

namespace {

namespace protocol = softpatch::protocol;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using Clock = std::chrono::steady_clock;

// A status request as this softpatch sends it, with its newline.
const std::string kStatus = protocol::encode(protocol::Request{protocol::StatusRequest{}}) + "\n";

std::string socket_path() {
  softpatch::Result<std::string> dir = softpatch::protocol::agent_directory();
  return dir ? softpatch::protocol::socket_path(*dir, getpid()) : dir.error();
}

// The agent's time limit for a request, and how much longer a loaded
// machine may take on top of it (scheduling, not the agent's own waiting).
constexpr auto kRequestLimit = std::chrono::seconds(2);
constexpr auto kSlack = std::chrono::seconds(8);

// A connection to this process's agent; -1 if none. A reply that never comes
// ends the read after 30 s: the test fails instead of hanging.
int connect_to_agent() {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::string path = socket_path();
  std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path.c_str());
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    return -1;
  }
  timeval patience{30, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof patience);
  return fd;
}

void send_all(int fd, const std::string& bytes) {
  for (std::size_t at = 0; at < bytes.size();) {
    ssize_t n = send(fd, bytes.data() + at, bytes.size() - at, MSG_NOSIGNAL);
    if (n <= 0) return;  // the agent closed on us: that is an answer too
    at += static_cast<std::size_t>(n);
  }
}

std::string read_reply(int fd) {
  std::string reply;
  char buffer[4096];
  for (ssize_t n; (n = read(fd, buffer, sizeof buffer)) > 0;) reply.append(buffer, n);
  close(fd);
  return reply;
}

std::string ask(const std::string& bytes, bool close_writing = false) {
  int fd = connect_to_agent();
  if (fd < 0) return "no connection";
  send_all(fd, bytes);
  if (close_writing) shutdown(fd, SHUT_WR);
  return read_reply(fd);
}

TEST(Agent, RunsOnlyBecauseItWasAskedTo) {
  ASSERT_STREQ(getenv("SOFTPATCH_AGENT"), "1");
  EXPECT_THAT(ask(kStatus), HasSubstr("pid " + std::to_string(getpid()) + "\n"));
}

TEST(Agent, BinaryGarbageGetsAnError) {
  std::mt19937 random(42);
  std::string garbage;
  for (int i = 0; i < 300; ++i) garbage += static_cast<char>(random() % 256);
  garbage.erase(std::remove(garbage.begin(), garbage.end(), '\n'), garbage.end());
  EXPECT_THAT(ask(garbage + "\n"), StartsWith("error request holds a control character"));
  EXPECT_THAT(ask(kStatus), HasSubstr("ok"));
}

TEST(Agent, TenMegabytesAreCutOff) {
  EXPECT_EQ(ask(std::string(10 << 20, 'x')), "error request longer than 4096 bytes\n");
  EXPECT_THAT(ask(kStatus), HasSubstr("ok"));
}

TEST(Agent, ARequestCutOffMidwayGetsAnError) {
  EXPECT_EQ(ask("sta", /*close_writing=*/true),
            "error request cut off: the connection closed before its newline\n");
  EXPECT_THAT(ask(kStatus), HasSubstr("ok"));
}

// The agent takes connections in the order they came: the silent one first.
// Without the limit the second client would wait for ever (30 s here, see
// connect_to_agent); with it, two seconds and what the machine adds.
TEST(Agent, ASilentClientHoldsItForTwoSecondsAtMost) {
  int silent = connect_to_agent();
  ASSERT_GE(silent, 0);
  auto started = Clock::now();
  EXPECT_THAT(ask(kStatus), HasSubstr("ok"));
  EXPECT_LT(Clock::now() - started, kRequestLimit + kSlack);
  EXPECT_EQ(read_reply(silent), "error no request line within 2 s: timed out\n");
}

// A client gone before its answer is written: the agent's write fails with
// EPIPE, which must not become a SIGPIPE that kills the program (this test).
TEST(Agent, AClientThatLeavesBeforeItsAnswerHarmsNothing) {
  for (int i = 0; i < 20; ++i) {
    int fd = connect_to_agent();
    ASSERT_GE(fd, 0);
    send_all(fd, kStatus);
    close(fd);
  }
  EXPECT_THAT(ask(kStatus), HasSubstr("ok"));
}

// Two seconds for the whole request, not for each byte of it: the trickle
// goes on (a byte every 400 ms) until the other client is answered, for
// longer than the bound below if it has to, so a limit per byte would show.
TEST(Agent, ATrickleOfBytesHoldsItForTwoSecondsAtMost) {
  int slow = connect_to_agent();
  ASSERT_GE(slow, 0);
  std::mutex mutex;
  std::condition_variable answered;
  bool done = false;
  auto trickling_for = 2 * (kRequestLimit + kSlack);
  std::thread trickle([&] {
    std::unique_lock<std::mutex> lock(mutex);
    auto until = Clock::now() + trickling_for;
    do {
      send(slow, "s", 1, MSG_NOSIGNAL);
    } while (!answered.wait_for(lock, std::chrono::milliseconds(400), [&] { return done; }) &&
             Clock::now() < until);
  });
  auto started = Clock::now();
  std::string reply = ask(kStatus);
  auto took = Clock::now() - started;
  {
    std::lock_guard<std::mutex> lock(mutex);
    done = true;
  }
  answered.notify_one();
  trickle.join();
  EXPECT_THAT(reply, HasSubstr("ok"));
  EXPECT_LT(took, kRequestLimit + kSlack);
  EXPECT_EQ(read_reply(slow), "error no request line within 2 s: timed out\n");
}

TEST(Agent, FiftyClientsAtOnceAreAllAnswered) {
  std::vector<std::string> replies(50);
  std::vector<std::thread> clients;
  for (std::string& reply : replies) clients.emplace_back([&reply] { reply = ask(kStatus); });
  for (std::thread& client : clients) client.join();
  for (const std::string& reply : replies) EXPECT_THAT(reply, HasSubstr("ok\n"));
}

// A command of another softpatch build is refused before anything runs, in
// words it can show: a command from before versions reads a bare error line.
TEST(Agent, ACommandOfAnotherVersionIsRefusedByName) {
  std::string agent = protocol::agent_of_process(getpid());
  std::string ours = std::to_string(protocol::kProtocolVersion);
  std::string restart = ": restart the program under this softpatch\n";
  EXPECT_EQ(ask("status\n"), "error " + agent + " speaks protocol " + ours +
                                 ", this softpatch speaks an older, unversioned one" + restart);
  EXPECT_EQ(ask("rollback\n"), "error " + agent + " speaks protocol " + ours +
                                   ", this softpatch speaks an older, unversioned one" + restart);
  std::string newer = std::to_string(protocol::kProtocolVersion + 1);
  EXPECT_EQ(ask("v" + newer + " rollback\n"), "version " + ours + "\nerror " + agent +
                                                  " speaks protocol " + ours +
                                                  ", this softpatch speaks " + newer + restart);
  // This softpatch's own command is answered, through its client.
  softpatch::Result<protocol::StatusReply> status =
      protocol::ask(getpid(), protocol::StatusRequest{});
  ASSERT_TRUE(status) << status.error();
  EXPECT_EQ(status->pid, getpid());
}

TEST(Agent, AnotherUserIsRefused) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to become another user";
  pid_t child = fork();
  if (child == 0) {
    if (setgid(65534) != 0 || setuid(65534) != 0) _exit(2);
    std::string reply = ask(kStatus);
    _exit(reply.find("ok") == std::string::npos ? 0 : 1);  // nothing, or no connection at all
  }
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "another user got an answer";
  EXPECT_THAT(ask(kStatus), HasSubstr("ok"));
}

}  // namespace
