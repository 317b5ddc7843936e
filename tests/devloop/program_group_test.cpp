// The dev loop's program runner with real processes: process groups, the
// keeper, grace periods, no zombies, no orphans.
//
// The programs here tell which processes they started (their pids, on a
// pipe): the tests wait for that line instead of sleeping, look only at those
// processes (by pidfd: a pid reused meanwhile is not mistaken for them), and
// kill whatever of them is left when a test ends, passed or failed.
#include "softpatch/devloop/program_group.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using softpatch::driver::ProgramGroup;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// How long a test waits for something that takes milliseconds on an idle
// machine: it fails only if it never happens.
constexpr Clock::duration kPatience = std::chrono::seconds(60);

int milliseconds_until(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::max<long long>(0, left));
}

// The (status, parent) fields of /proc/<pid>/stat; false when it is gone.
bool stat_of(const std::string& pid, std::string* state, std::string* parent) {
  std::ifstream stat("/proc/" + pid + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  std::size_t close = line.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos || close + 4 >= line.size()) return false;
  std::istringstream fields(line.substr(close + 2));
  return static_cast<bool>(fields >> *state >> *parent);
}

// Children of this process, zombies or not.
std::vector<pid_t> my_children(bool zombies_only) {
  std::vector<pid_t> out;
  std::string self = std::to_string(getpid());
  for (const auto& entry : fs::directory_iterator("/proc")) {
    std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string state, parent;
    if (!stat_of(name, &state, &parent) || parent != self) continue;
    if (!zombies_only || state == "Z") out.push_back(std::stoi(name));
  }
  return out;
}

int zombie_children() { return static_cast<int>(my_children(/*zombies_only=*/true).size()); }

// Processes a test started, held by pidfd. Each still running or not (a
// zombie has ended); those still running are killed when the test ends.
class Owned {
 public:
  Owned() = default;
  Owned(const Owned&) = delete;
  Owned& operator=(const Owned&) = delete;
  ~Owned() {
    for (const Process& p : processes_) {
      if (!ended(p.fd)) syscall(SYS_pidfd_send_signal, p.fd, SIGKILL, nullptr, 0);
      close(p.fd);
    }
  }

  // False when `pid` is gone already.
  bool add(pid_t pid) {
    int fd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    if (fd < 0) return false;
    processes_.push_back({pid, fd});
    return true;
  }
  bool add(const std::vector<pid_t>& pids) {
    bool all = true;
    for (pid_t pid : pids) all = add(pid) && all;
    return all;
  }

  // The pids of those still running.
  std::vector<pid_t> running() const {
    std::vector<pid_t> out;
    for (const Process& p : processes_)
      if (!ended(p.fd)) out.push_back(p.pid);
    return out;
  }

  // Waits until all have ended or `patience` ran out; those still running.
  std::vector<pid_t> running_after(Clock::duration patience) const {
    auto deadline = Clock::now() + patience;
    for (const Process& p : processes_) {
      pollfd ready{p.fd, POLLIN, 0};
      while (poll(&ready, 1, milliseconds_until(deadline)) < 0 && errno == EINTR) {
      }
    }
    return running();
  }

 private:
  struct Process {
    pid_t pid;
    int fd;
  };
  // A pidfd is readable once its process has ended.
  static bool ended(int fd) {
    pollfd ready{fd, POLLIN, 0};
    return poll(&ready, 1, 0) == 1;
  }
  std::vector<Process> processes_;
};

std::string listed(const std::vector<pid_t>& pids) {
  std::string out;
  for (pid_t pid : pids) out += (out.empty() ? "" : " ") + std::to_string(pid);
  return out.empty() ? "none" : out;
}

// A pipe for the programs' pids: a script writes `echo $$ $! >&N` (fd() is
// that N), the test reads them with read(). The read end is closed in the
// programs, the write end is theirs too.
class PidReports {
 public:
  PidReports() {
    if (pipe(fds_) != 0) ADD_FAILURE() << "pipe: " << std::strerror(errno);
    fcntl(fds_[0], F_SETFD, FD_CLOEXEC);
  }
  ~PidReports() {
    close(fds_[0]);
    close(fds_[1]);
  }
  PidReports(const PidReports&) = delete;
  PidReports& operator=(const PidReports&) = delete;

  std::string fd() const { return std::to_string(fds_[1]); }

  // The next `count` pids, fewer if they do not all come within `patience`.
  std::vector<pid_t> read(std::size_t count, Clock::duration patience = kPatience) {
    auto deadline = Clock::now() + patience;
    while (pids_.size() < count && Clock::now() < deadline) {
      pollfd ready{fds_[0], POLLIN, 0};
      if (poll(&ready, 1, milliseconds_until(deadline)) <= 0) continue;
      char buffer[512];
      ssize_t n = ::read(fds_[0], buffer, sizeof buffer);
      if (n <= 0) break;
      text_.append(buffer, static_cast<std::size_t>(n));
      for (std::size_t end; (end = text_.find('\n')) != std::string::npos;) {
        std::istringstream line(text_.substr(0, end));
        for (pid_t pid; line >> pid;) pids_.push_back(pid);
        text_.erase(0, end + 1);
      }
    }
    std::vector<pid_t> out(pids_.begin(), pids_.begin() + std::min(count, pids_.size()));
    pids_.erase(pids_.begin(), pids_.begin() + static_cast<long>(out.size()));
    return out;
  }

  // Forgets what was written so far (by programs stopped before they were
  // asked about: they are all gone, so nothing more comes from them).
  void discard() {
    pollfd ready{fds_[0], POLLIN, 0};
    char buffer[512];
    while (poll(&ready, 1, 0) == 1 && ::read(fds_[0], buffer, sizeof buffer) > 0) {
    }
    text_.clear();
    pids_.clear();
  }

 private:
  int fds_[2] = {-1, -1};
  std::string text_;
  std::vector<pid_t> pids_;
};

// This process adopts the orphans of its descendants while it lives, so
// that a process a keeper failed to take with it shows up as a child here;
// what it adopted is killed and reaped at the end.
class Adopter {
 public:
  Adopter() { prctl(PR_SET_CHILD_SUBREAPER, 1); }
  ~Adopter() {
    prctl(PR_SET_CHILD_SUBREAPER, 0);
    for (pid_t child : my_children(/*zombies_only=*/false)) {
      kill(child, SIGKILL);
      waitpid(child, nullptr, 0);
    }
  }
  Adopter(const Adopter&) = delete;
  Adopter& operator=(const Adopter&) = delete;
};

// A child of this process, killed and reaped when the test ends.
class Child {
 public:
  explicit Child(pid_t pid) : pid_(pid) {}
  ~Child() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  pid_t pid() const { return pid_; }
  void kill_and_reap() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = 0;
  }

 private:
  pid_t pid_;
};

ProgramGroup::Options shell(const std::string& script, milliseconds grace) {
  return {{"/bin/sh", "-c", script}, {}, SIGTERM, grace};
}

// Waits for a program that ends by itself; its status, or -1.
int wait_for_end(ProgramGroup& group) {
  auto deadline = Clock::now() + kPatience;
  while (Clock::now() < deadline) {
    if (std::optional<int> status = group.finished()) return *status;
    usleep(5000);
  }
  return -1;
}

// Starts `group`; a failure says why.
::testing::AssertionResult started(ProgramGroup& group) {
  softpatch::Result<pid_t> pid = group.start();
  if (pid) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << pid.error();
}

TEST(ProgramGroup, StopsAProgramThatEndsOnSigterm) {
  // Far more grace than a loaded machine needs to stop a sleep: stop()
  // returning well within it shows it did not wait it out.
  const milliseconds grace(30000);
  ProgramGroup group(shell("exec sleep 300", grace));
  ASSERT_TRUE(started(group));
  pid_t pid = group.pid();
  EXPECT_EQ(getpgid(pid), pid);  // a group of its own
  auto started = Clock::now();
  EXPECT_EQ(group.stop(), 128 + SIGTERM);
  EXPECT_LT(Clock::now() - started, grace / 2);
  EXPECT_NE(kill(pid, 0), 0);  // reaped, by the keeper
}

TEST(ProgramGroup, AGrandchildIgnoringSigtermIsKilledAfterTheGrace) {
  PidReports reports;
  const std::string to = " >&" + reports.fd();
  const milliseconds grace(300);
  ProgramGroup group(shell("trap '' TERM; sh -c \"trap '' TERM; sleep 300 & echo \\$\\$ \\$!" + to +
                               "; wait\" & sleep 300 & echo $$ $!" + to + "; wait",
                           grace));
  ASSERT_TRUE(started(group));
  Owned owned;
  std::vector<pid_t> pids = reports.read(4);  // both shells and their sleeps
  ASSERT_EQ(pids.size(), 4u) << "reported: " << listed(pids);
  ASSERT_TRUE(owned.add(pids));
  ASSERT_EQ(owned.running().size(), 4u);
  auto started = Clock::now();
  group.stop();
  EXPECT_GE(Clock::now() - started, grace);    // waited the grace
  EXPECT_EQ(listed(owned.running()), "none");  // stop() returns once all are reaped
}

TEST(ProgramGroup, ADaemonThatLeftTheGroupIsNotLeftBehind) {
  PidReports reports;
  const std::string to = " >&" + reports.fd();
  ProgramGroup group(shell("setsid sh -c 'sleep 300 & echo $$ $!" + to + "; wait' & " +
                               "sleep 300 & echo $$ $!" + to + "; wait",
                           milliseconds(2000)));
  ASSERT_TRUE(started(group));
  Owned owned;
  std::vector<pid_t> pids = reports.read(4);  // the group's shell and sleep, the daemon's
  ASSERT_EQ(pids.size(), 4u) << "reported: " << listed(pids);
  ASSERT_TRUE(owned.add(pids));
  ASSERT_EQ(owned.running().size(), 4u);
  group.stop();
  EXPECT_EQ(listed(owned.running()), "none");
}

TEST(ProgramGroup, AHundredRestartsLeaveNoZombieAndNoOrphan) {
  Adopter adopter;  // declared first: it goes last
  PidReports reports;
  ProgramGroup group(
      shell("sleep 300 & a=$!; sleep 300 & echo $$ $a $! >&" + reports.fd() + "; wait",
            milliseconds(2000)));
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(started(group));
    Owned owned;
    // Every other time it is stopped at once, its shell possibly still
    // starting the sleeps; otherwise once they run.
    bool at_once = i % 2 == 1;
    if (!at_once) {
      std::vector<pid_t> pids = reports.read(3);
      ASSERT_EQ(pids.size(), 3u) << "cycle " << i << " reported: " << listed(pids);
      ASSERT_TRUE(owned.add(pids)) << "cycle " << i;
    }
    group.stop();
    if (at_once) reports.discard();
    EXPECT_EQ(listed(owned.running()), "none") << "cycle " << i;
  }
  // Anything a keeper left would have come to this process.
  EXPECT_EQ(listed(my_children(/*zombies_only=*/false)), "none");
  EXPECT_EQ(zombie_children(), 0);
}

TEST(ProgramGroup, AProgramThatEndsByItselfIsReaped) {
  ProgramGroup group(shell("exit 3", milliseconds(1000)));
  ASSERT_TRUE(started(group));
  EXPECT_EQ(wait_for_end(group), 3);
  EXPECT_FALSE(group.running());
}

TEST(ProgramGroup, AnExitCodeIsToldFromASignal) {
  ProgramGroup exits(shell("exit 200", milliseconds(1000)));
  ASSERT_TRUE(started(exits));
  EXPECT_EQ(wait_for_end(exits), 200);
  EXPECT_EQ(exits.last_signal(), 0);

  ProgramGroup crashes(shell("kill -SEGV $$", milliseconds(1000)));
  ASSERT_TRUE(started(crashes));
  EXPECT_EQ(wait_for_end(crashes), 128 + SIGSEGV);
  EXPECT_EQ(crashes.last_signal(), SIGSEGV);
}

TEST(ProgramGroup, AMissingProgramIsAnError) {
  ProgramGroup group({{"/nonexistent/program"}, {}, SIGTERM, milliseconds(100)});
  softpatch::Result<pid_t> pid = group.start();
  ASSERT_FALSE(pid);
  EXPECT_EQ(pid.error(), "/nonexistent/program: No such file or directory");
}

TEST(ProgramGroup, WhenItsOwnerIsKilledTheWholeTreeGoes) {
  // A child plays softpatch: starts a program tree (a shell, two sleeps in
  // its group, one that left it), says so, then is SIGKILLed.
  PidReports reports;
  int started[2];
  ASSERT_EQ(pipe2(started, O_CLOEXEC), 0);
  pid_t test = getpid();
  Child owner(fork());
  ASSERT_GE(owner.pid(), 0);
  if (owner.pid() == 0) {
    // Should the test itself die, the owner goes too, and its keeper with
    // everything it keeps.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != test) _exit(1);
    close(started[0]);
    ProgramGroup group(
        shell("sleep 300 & a=$!; setsid sleep 300 & b=$!; sleep 300 & "
              "echo $PPID $$ $a $b $! >&" +
                  reports.fd() + "; wait",
              milliseconds(1000)));
    if (!::started(group)) _exit(1);
    // start() has returned: the keeper has told its program's pid and now
    // watches for its owner's death.
    (void)!write(started[1], "s", 1);
    pause();
    _exit(0);
  }
  close(started[1]);
  pollfd ready{started[0], POLLIN, 0};
  char byte = 0;
  bool owner_started = poll(&ready, 1, milliseconds_until(Clock::now() + kPatience)) == 1 &&
                       read(started[0], &byte, 1) == 1;
  close(started[0]);
  ASSERT_TRUE(owner_started) << "the owner did not start its program";

  Owned owned;
  std::vector<pid_t> pids = reports.read(5);  // the keeper, the shell, its three sleeps
  ASSERT_EQ(pids.size(), 5u) << "reported: " << listed(pids);
  ASSERT_TRUE(owned.add(pids));
  ASSERT_EQ(owned.running().size(), 5u);
  owner.kill_and_reap();
  EXPECT_EQ(listed(owned.running_after(kPatience)), "none");
}

}  // namespace
