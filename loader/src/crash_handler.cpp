#include "crash_handler.h"

#include <execinfo.h>
#include <fcntl.h>
#include <signal.h>
#include <ucontext.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "softpatch/protocol/crash_report.h"

namespace softpatch {
namespace {

constexpr int kSignals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
constexpr int kMaxPatches = 1024;  // later ones go unnamed in a report
constexpr int kMaxFrames = 64;

// What the handler reads: written before it can run (the path) or published
// by a release of `patch_count` (the patches). Strings are never freed.
char report_path[PATH_MAX];
protocol::LoadedPatchNote patches[kMaxPatches];
std::atomic<int> patch_count{0};
struct sigaction previous[std::size(kSignals)];
std::atomic<bool> reported{false};

void* interrupted_pc(void* context) {
  auto* uc = static_cast<ucontext_t*>(context);
#if defined(__x86_64__)
  return reinterpret_cast<void*>(uc->uc_mcontext.gregs[REG_RIP]);
#elif defined(__aarch64__)
  return reinterpret_cast<void*>(uc->uc_mcontext.pc);
#else
  (void)uc;
  return nullptr;
#endif
}

std::atomic<int> fatal_signal{0};

// backtrace() did not return: the fault came while the unwinder's lock was
// held (inside exception unwinding, say). The report of the pc alone is
// written; the process dies of the signal it got, as it would have.
void on_unwinder_stuck(int) {
  int signal = fatal_signal.load();
  ::signal(signal, SIG_DFL);
  sigset_t blocked;
  sigemptyset(&blocked);
  sigaddset(&blocked, signal);
  sigprocmask(SIG_UNBLOCK, &blocked, nullptr);
  raise(signal);
  _exit(128 + signal);
}

// backtrace() is not async-signal-safe: bounded by an alarm, whatever the
// program had set for SIGALRM is put back after.
int bounded_backtrace(void** raw) {
  struct sigaction stuck {
  }, before{};
  stuck.sa_handler = on_unwinder_stuck;
  sigemptyset(&stuck.sa_mask);
  sigaction(SIGALRM, &stuck, &before);
  unsigned pending = alarm(2);
  int count = backtrace(raw, kMaxFrames);
  alarm(pending);
  sigaction(SIGALRM, &before, nullptr);
  return count;
}

void write_report(int signal, void* const* frames, int count) {
  int fd = open(report_path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return;
  protocol::write_crash_report(fd, signal, frames, count, patches,
                               patch_count.load(std::memory_order_acquire));
  close(fd);
}

// The crashing thread's frames, innermost first, the handler's own left out:
// backtrace() starts in this handler and the signal trampoline, then reaches
// the interrupted pc.
int crash_frames(void* context, void** out) {
  void* raw[kMaxFrames];
  int count = bounded_backtrace(raw);
  void* pc = interrupted_pc(context);
  int first = 2;  // without a pc to find: past the handler and the trampoline
  for (int i = 0; i < count; ++i)
    if (raw[i] == pc) first = i + 1;
  int n = 0;
  if (pc) out[n++] = pc;
  for (int i = first; i < count && n < kMaxFrames; ++i) out[n++] = raw[i];
  return n;
}

std::size_t index_of(int signal) {
  std::size_t i = 0;
  while (i < std::size(kSignals) && kSignals[i] != signal) ++i;
  return i;
}

// What would have happened without this handler: the previous handler, or
// the default action (the process dies from the signal, as its parent sees).
void pass_on(int signal, siginfo_t* info, void* context) {
  const struct sigaction& before = previous[index_of(signal)];
  sigaction(signal, &before, nullptr);
  if (before.sa_handler == SIG_IGN) {
    // Ignored before: a signal another process sent stays ignored; a fault
    // cannot be (the instruction would fault again), so it ends the process.
    if (info && info->si_code <= 0) return;
  } else if (before.sa_handler != SIG_DFL) {
    if (before.sa_flags & SA_SIGINFO)
      before.sa_sigaction(signal, info, context);
    else
      before.sa_handler(signal);
    return;
  }
  ::signal(signal, SIG_DFL);
  raise(signal);  // delivered when this handler returns (it is blocked until then)
}

// Waits, up to two seconds, for another thread's report to be written: the
// process must not die under it.
void wait_for(const std::atomic<bool>& done) {
  for (int i = 0; i < 200 && !done.load(); ++i) {
    timespec pause{0, 10 * 1000 * 1000};
    nanosleep(&pause, nullptr);
  }
}

void on_fatal_signal(int signal, siginfo_t* info, void* context) {
  static std::atomic<bool> written{false};
  if (!reported.exchange(true)) {
    int saved_errno = errno;
    fatal_signal.store(signal);
    void* pc = interrupted_pc(context);
    write_report(signal, &pc, pc ? 1 : 0);  // in case the unwinder never returns
    void* frames[kMaxFrames];
    write_report(signal, frames, crash_frames(context, frames));
    written.store(true);
    errno = saved_errno;
  } else {
    wait_for(written);
  }
  pass_on(signal, info, context);
}

// A stack for the handler on this thread, so that a stack overflow (a
// runaway recursion in new code) is reported too. Kept when the thread has
// one already (a sanitizer's, say).
void give_thread_a_signal_stack() {
  static char stack[1 << 16];
  stack_t current{};
  if (sigaltstack(nullptr, &current) != 0 || !(current.ss_flags & SS_DISABLE)) return;
  stack_t ours{};
  ours.ss_sp = stack;
  ours.ss_size = sizeof stack;
  sigaltstack(&ours, nullptr);
}

}  // namespace

void install_crash_report() {
  static bool installed = false;
  const char* path = std::getenv(protocol::kCrashReportVariable);
  if (installed || !path || !*path || std::strlen(path) >= sizeof report_path) return;
  installed = true;
  std::strcpy(report_path, path);
  void* warm[1];
  backtrace(warm, 1);  // loads the unwinder now, not inside a crash
  give_thread_a_signal_stack();
  struct sigaction action {};
  action.sa_sigaction = on_fatal_signal;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&action.sa_mask);
  for (std::size_t i = 0; i < std::size(kSignals); ++i)
    sigaction(kSignals[i], &action, &previous[i]);
}

void note_loaded_patch(int number, const std::string& project_file,
                       const std::string& loaded_path) {
  int at = patch_count.load(std::memory_order_relaxed);
  if (at >= kMaxPatches) return;
  char* resolved = realpath(loaded_path.c_str(), nullptr);  // as /proc/self/maps names it
  patches[at] = {number, strdup(project_file.c_str()),
                 resolved ? resolved : strdup(loaded_path.c_str())};
  patch_count.store(at + 1, std::memory_order_release);
}

}  // namespace softpatch
