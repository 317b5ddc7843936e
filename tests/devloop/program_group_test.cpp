// The dev loop's program runner with real processes: process groups, the
// keeper, grace periods, no zombies, no orphans.
#include "softpatch/devloop/program_group.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

namespace {

namespace fs = std::filesystem;
using softpatch::driver::ProgramGroup;
using Clock = std::chrono::steady_clock;

bool alive(pid_t pid) { return kill(pid, 0) == 0; }

// Processes (other than zombies) whose command line mentions `marker`.
int count_processes(const std::string& marker) {
  int count = 0;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream cmdline(entry.path() / "cmdline");
    std::string text((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
    std::replace(text.begin(), text.end(), '\0', ' ');
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    std::getline(stat, line);
    std::size_t close = line.rfind(')');
    bool zombie = close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
    if (text.find(marker) != std::string::npos && !zombie) ++count;
  }
  return count;
}

// Zombie children of this process.
int zombie_children() {
  int count = 0;
  std::string self = std::to_string(getpid());
  for (const auto& entry : fs::directory_iterator("/proc")) {
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    std::size_t close = line.rfind(')');
    if (close == std::string::npos || close + 4 >= line.size()) continue;
    std::istringstream fields(line.substr(close + 2));
    std::string state, parent;
    fields >> state >> parent;
    if (state == "Z" && parent == self) ++count;
  }
  return count;
}

ProgramGroup::Options shell(const std::string& script, std::chrono::milliseconds grace) {
  return {{"/bin/sh", "-c", script}, {}, SIGTERM, grace};
}

TEST(ProgramGroup, StopsAProgramThatEndsOnSigterm) {
  ProgramGroup group(shell("exec sleep 30 # softpatch-test-term", std::chrono::milliseconds(2000)));
  std::string error;
  ASSERT_TRUE(group.start(&error)) << error;
  pid_t pid = group.pid();
  EXPECT_EQ(getpgid(pid), pid);  // a group of its own
  auto started = Clock::now();
  EXPECT_EQ(group.stop(), 128 + SIGTERM);
  EXPECT_LT(Clock::now() - started, std::chrono::milliseconds(1500));
  EXPECT_FALSE(alive(pid));
}

TEST(ProgramGroup, AGrandchildIgnoringSigtermIsKilledAfterTheGrace) {
  ProgramGroup group(
      shell("trap '' TERM; sh -c \"trap '' TERM; sleep 30; : softpatch-test-stubborn\" & "
            "sleep 30; : softpatch-test-stubborn",
            std::chrono::milliseconds(300)));
  std::string error;
  ASSERT_TRUE(group.start(&error)) << error;
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_GE(count_processes("softpatch-test-stubborn"), 2);
  auto started = Clock::now();
  group.stop();
  EXPECT_GE(Clock::now() - started, std::chrono::milliseconds(300));  // waited the grace
  EXPECT_EQ(count_processes("softpatch-test-stubborn"), 0);
}

TEST(ProgramGroup, ADaemonThatLeftTheGroupIsNotLeftBehind) {
  ProgramGroup group(shell("setsid sh -c 'sleep 30; : softpatch-test-daemon' & sleep 30",
                           std::chrono::milliseconds(500)));
  std::string error;
  ASSERT_TRUE(group.start(&error)) << error;
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_GE(count_processes("softpatch-test-daemon"), 1);
  group.stop();
  EXPECT_EQ(count_processes("softpatch-test-daemon"), 0);
}

TEST(ProgramGroup, AHundredRestartsLeaveNoZombieAndNoOrphan) {
  ProgramGroup group(
      shell("sleep 30 & sleep 30; : softpatch-test-cycles", std::chrono::milliseconds(1000)));
  for (int i = 0; i < 100; ++i) {
    std::string error;
    ASSERT_TRUE(group.start(&error)) << error;
    group.stop();
  }
  EXPECT_EQ(count_processes("softpatch-test-cycles"), 0);
  EXPECT_EQ(zombie_children(), 0);
}

TEST(ProgramGroup, AProgramThatEndsByItselfIsReaped) {
  ProgramGroup group(shell("exit 3", std::chrono::milliseconds(1000)));
  std::string error;
  ASSERT_TRUE(group.start(&error)) << error;
  std::optional<int> status;
  for (int i = 0; i < 200 && !status; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    status = group.finished();
  }
  ASSERT_TRUE(status);
  EXPECT_EQ(*status, 3);
  EXPECT_FALSE(group.running());
}

// Waits for a program that ends by itself; its status.
int wait_for_end(ProgramGroup& group) {
  for (int i = 0; i < 500; ++i) {
    if (std::optional<int> status = group.finished()) return *status;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

TEST(ProgramGroup, AnExitCodeIsToldFromASignal) {
  ProgramGroup exits(shell("exit 200", std::chrono::milliseconds(1000)));
  std::string error;
  ASSERT_TRUE(exits.start(&error)) << error;
  EXPECT_EQ(wait_for_end(exits), 200);
  EXPECT_EQ(exits.last_signal(), 0);

  ProgramGroup crashes(shell("kill -SEGV $$", std::chrono::milliseconds(1000)));
  ASSERT_TRUE(crashes.start(&error)) << error;
  EXPECT_EQ(wait_for_end(crashes), 128 + SIGSEGV);
  EXPECT_EQ(crashes.last_signal(), SIGSEGV);
}

TEST(ProgramGroup, AMissingProgramIsAnError) {
  ProgramGroup group({{"/nonexistent/program"}, {}, SIGTERM, std::chrono::milliseconds(100)});
  std::string error;
  EXPECT_FALSE(group.start(&error));
  EXPECT_EQ(error, "/nonexistent/program: No such file or directory");
}

TEST(ProgramGroup, WhenItsOwnerIsKilledTheWholeTreeGoes) {
  // A child plays softpatch: starts a program tree, then is SIGKILLed.
  pid_t owner = fork();
  if (owner == 0) {
    ProgramGroup group(shell("sleep 3011 & setsid sleep 3012 & sleep 3013; : softpatch-test-owner",
                             std::chrono::milliseconds(1000)));
    std::string error;
    if (!group.start(&error)) _exit(1);
    pause();
    _exit(0);
  }
  for (int i = 0; i < 100 && count_processes("softpatch-test-owner") == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(count_processes("sleep 301"), 4);  // the shell and its three sleeps
  kill(owner, SIGKILL);
  waitpid(owner, nullptr, 0);
  for (int i = 0; i < 100 && count_processes("softpatch-test-owner") > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(count_processes("softpatch-test-owner"), 0);
  EXPECT_EQ(count_processes("sleep 301"), 0);
}

}  // namespace
