// The crash report as a dying process writes it: a child installs the
// handler, faults, and the test reads what it left.
#include "crash_handler.h"

#include <dlfcn.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "softpatch/protocol/crash_report.h"

namespace {

std::atomic<bool> unwinder_stuck{false};

}  // namespace

// Stands in for libc's backtrace() (the loader's call binds to this
// executable's definition first): when told to, it never returns, as when
// the fault came while the unwinder's lock was held.
extern "C" int backtrace(void** frames, int size) {
  while (unwinder_stuck.load()) pause();
  using Backtrace = int (*)(void**, int);
  static auto real = reinterpret_cast<Backtrace>(dlsym(RTLD_NEXT, "backtrace"));
  return real ? real(frames, size) : 0;
}

namespace {

using ::testing::SizeIs;

class CrashHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    GTEST_SKIP() << "a sanitizer's own fault handler reports the crash in this build";
#endif
    char pattern[] = "/tmp/softpatch-crash-handler-XXXXXX";
    int fd = mkstemp(pattern);
    ASSERT_GE(fd, 0);
    close(fd);
    path_ = pattern;
  }
  void TearDown() override {
    if (!path_.empty()) unlink(path_.c_str());
  }

  // Runs a child that installs the handler and dereferences null; returns
  // its wait status, or -1 when it did not end within 20 s (it is killed).
  int crash_a_child(bool stuck) {
    pid_t child = fork();
    if (child == 0) {
      signal(SIGSEGV, SIG_DFL);  // what the handler passes the signal on to
      setenv(softpatch::protocol::kCrashReportVariable, path_.c_str(), 1);
      softpatch::install_crash_report();
      unwinder_stuck.store(stuck);
      volatile int* nowhere = nullptr;
      *nowhere = 1;
      _exit(0);
    }
    int status = 0;
    for (int i = 0; i < 200; ++i) {
      if (waitpid(child, &status, WNOHANG) == child) return status;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    kill(child, SIGKILL);
    waitpid(child, &status, 0);
    return -1;
  }

  softpatch::Result<softpatch::protocol::CrashReport> report() const {
    std::stringstream text;
    text << std::ifstream(path_).rdbuf();
    return softpatch::protocol::parse_crash_report(text.str());
  }

  std::string path_;
};

TEST_F(CrashHandlerTest, AFaultIsReportedAndTheProcessDiesOfIt) {
  int status = crash_a_child(false);
  ASSERT_TRUE(WIFSIGNALED(status)) << status;
  EXPECT_EQ(WTERMSIG(status), SIGSEGV);
  softpatch::Result<softpatch::protocol::CrashReport> crash = report();
  ASSERT_TRUE(crash) << crash.error();
  EXPECT_EQ(crash->signal, SIGSEGV);
  EXPECT_GT(crash->frames.size(), 1u) << "the pc and the frames the unwinder found";
}

TEST_F(CrashHandlerTest, AnUnwinderThatNeverReturnsStillEndsTheProcessWithTheSignal) {
  int status = crash_a_child(true);
  ASSERT_NE(status, -1) << "the crashing process hung in the unwinder";
  ASSERT_TRUE(WIFSIGNALED(status)) << status;
  EXPECT_EQ(WTERMSIG(status), SIGSEGV);
  softpatch::Result<softpatch::protocol::CrashReport> crash = report();
  ASSERT_TRUE(crash) << crash.error();
  EXPECT_THAT(crash->frames, SizeIs(1)) << "where the signal struck, at least";
}

}  // namespace
