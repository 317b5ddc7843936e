// A crash in a called function jumps back here (siglongjmp) from its signal
// handler, past whatever the called code was doing. That is acceptable for
// a REPL, as it is for cling or gdb's `call`: the state the call was
// changing may be left half-updated (destructors in the abandoned frames do
// not run, a lock the code held stays held, memory it allocated leaks), and
// the program keeps running with it, which is what someone exploring or
// fixing code at a prompt wants rather than losing the session. A Ctrl-C
// jumps back the same way, so that a call stuck in a loop can be left.
#include "crash_guard.h"

#include <execinfo.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <ucontext.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <vector>

#include "interrupt.h"

namespace repl {
namespace {

constexpr int kCaught[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGINT};
constexpr std::size_t kCaughtCount = sizeof kCaught / sizeof kCaught[0];

// The call being guarded: one at a time (the REPL runs one command at
// once). Not a local of run_guarded: what the handler writes must still be
// there after the jump back into it.
constexpr int kFrames = 32;

struct Guarded {
  sigjmp_buf back;
  pthread_t thread;
  volatile sig_atomic_t signal;
  const void* volatile pc;
  void* frames[kFrames];
  volatile int frame_count;
};
Guarded guarded;
std::atomic<bool> guarding{false};

const void* pc_of(const void* context) {
  const auto* machine = static_cast<const ucontext_t*>(context);
#if defined(__x86_64__)
  return reinterpret_cast<const void*>(machine->uc_mcontext.gregs[REG_RIP]);
#elif defined(__aarch64__)
  return reinterpret_cast<const void*>(machine->uc_mcontext.pc);
#else
  (void)machine;
  return nullptr;
#endif
}

void on_signal(int signal, siginfo_t*, void* context) {
  if (!guarding.load() || !pthread_equal(pthread_self(), guarded.thread)) {
    if (signal == SIGINT && guarding.load()) {
      pthread_kill(guarded.thread, SIGINT);  // the Ctrl-C is for the call
      return;
    }
    // A thread the call started crashed: there is nothing to go back to on
    // it, so it ends the program as it would without the REPL.
    struct sigaction fatal = {};
    fatal.sa_handler = SIG_DFL;
    sigaction(signal, &fatal, nullptr);
    raise(signal);
    return;
  }
  guarded.signal = signal;
  guarded.pc = pc_of(context);
  // Not async-signal-safe, but warmed before the call, and the REPL is the
  // process's only user of the unwinder while a call runs.
  guarded.frame_count = signal == SIGINT ? 0 : backtrace(guarded.frames, kFrames);
  siglongjmp(guarded.back, 1);
}

// Room for the handler when the call overflowed its own stack (infinite
// recursion): allocated once, kept.
const stack_t& alternate_stack() {
  static std::vector<char> memory(static_cast<std::size_t>(std::max(sysconf(_SC_SIGSTKSZ), 0L)) +
                                  64 * 1024);
  static stack_t stack = [] {
    stack_t s = {};
    s.ss_sp = memory.data();
    s.ss_size = memory.size();
    return s;
  }();
  return stack;
}

// The handlers and the alternate stack, for the lifetime of one call; the
// previous ones come back when it ends, by a return, a jump or an exception.
class Handlers {
 public:
  Handlers() {
    sigaltstack(&alternate_stack(), &previous_stack_);
    struct sigaction action = {};
    action.sa_sigaction = on_signal;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    for (int signal : kCaught) sigaddset(&action.sa_mask, signal);  // one at a time
    guarding.store(true);
    for (std::size_t i = 0; i < kCaughtCount; ++i) sigaction(kCaught[i], &action, &previous_[i]);
  }
  ~Handlers() {
    for (std::size_t i = 0; i < kCaughtCount; ++i) sigaction(kCaught[i], &previous_[i], nullptr);
    guarding.store(false);
    sigaltstack(&previous_stack_, nullptr);
  }
  Handlers(const Handlers&) = delete;
  Handlers& operator=(const Handlers&) = delete;

 private:
  struct sigaction previous_[kCaughtCount] = {};
  stack_t previous_stack_ = {};
};

}  // namespace

std::optional<Stop> run_guarded(void (*body)(void*), void* context) {
  guarded.thread = pthread_self();
  guarded.signal = 0;
  guarded.pc = nullptr;
  guarded.frame_count = 0;
  static void* warm[1];
  static const int warmed = backtrace(warm, 1);  // loads the unwinder outside a handler
  (void)warmed;
  // SIGINT stays blocked until there is a place to jump back to, and again
  // while the handlers go: a Ctrl-C then waits, and is the call's or the
  // session's, never a jump to a frame that is not there.
  sigset_t interrupts, before;
  sigemptyset(&interrupts);
  sigaddset(&interrupts, SIGINT);
  pthread_sigmask(SIG_BLOCK, &interrupts, &before);
  std::optional<Stop> stop;
  {
    Handlers installed;
    if (sigsetjmp(guarded.back, 1) == 0) {  // saves the mask with SIGINT blocked
      pthread_sigmask(SIG_SETMASK, &before, nullptr);
      // A Ctrl-C typed after the command was read but before this: it was
      // meant for the call.
      if (take_interrupt())
        stop = Stop{SIGINT, nullptr};
      else
        body(context);
      pthread_sigmask(SIG_BLOCK, &interrupts, nullptr);
    } else {
      stop = Stop{guarded.signal, guarded.pc,
                  std::vector<const void*>(guarded.frames, guarded.frames + guarded.frame_count)};
    }
  }
  pthread_sigmask(SIG_SETMASK, &before, nullptr);
  return stop;
}

const char* signal_name(int signal) {
  switch (signal) {
    case SIGSEGV:
      return "SIGSEGV";
    case SIGBUS:
      return "SIGBUS";
    case SIGFPE:
      return "SIGFPE";
    case SIGILL:
      return "SIGILL";
    case SIGABRT:
      return "SIGABRT";
    case SIGINT:
      return "SIGINT";
    default:
      return "a signal";
  }
}

}  // namespace repl
