#include "softpatch/devloop/dev_loop.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>

#include "softpatch/common/paths.h"
#include "softpatch/common/source_files.h"
#include "softpatch/common/subprocess.h"
#include "softpatch/compile/compile_database.h"
#include "softpatch/devloop/crash_trace.h"
#include "softpatch/devloop/debouncer.h"
#include "softpatch/devloop/decision.h"
#include "softpatch/devloop/file_watcher.h"
#include "softpatch/devloop/program_group.h"
#include "softpatch/patching/live_patch.h"
#include "softpatch/protocol/agent_paths.h"

namespace softpatch::driver {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void say(const std::string& line) {
  std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
}

// A path as the developer would type it: relative to the working directory
// when below it.
std::string shown(const std::string& path) {
  std::error_code error;
  fs::path here = fs::current_path(error);
  if (error) return path;
  std::string relative = fs::path(path).lexically_relative(here).string();
  return relative.empty() || relative.rfind("..", 0) == 0 ? path : relative;
}

std::string shown(const std::vector<std::string>& files) {
  std::string out = shown(files.front());
  if (files.size() > 1) out += " (+" + std::to_string(files.size() - 1) + " more)";
  return out;
}

// What the decision needs to know of `file`; no file system error ends the
// loop (a build directory removed under it is only "not yet built").
ChangedFile facts_of(const std::string& file, const std::string& build_dir) {
  ChangedFile facts{file, exists(file), false};
  if (facts.exists && is_cpp_source(file)) {
    llvm::Expected<CompileCommand> command = find_compile_command(file, build_dir);
    facts.has_compile_command = static_cast<bool>(command);
    if (!command) llvm::consumeError(command.takeError());
  }
  if (facts.exists && is_cpp_header(file)) {
    llvm::Expected<CompileCommand> includer = find_includer_command(file, build_dir);
    facts.instrumented_header = static_cast<bool>(includer);
    if (!includer) llvm::consumeError(includer.takeError());
  }
  return facts;
}

// The last line of a message: where loader refusals say what is wrong.
std::string last_line(std::string text) {
  while (!text.empty() && text.back() == '\n') text.pop_back();
  std::size_t at = text.rfind('\n');
  return at == std::string::npos ? text : text.substr(at + 1);
}

// Prepares the caches a first patch needs (softpatch warm: the files likeliest
// to be edited next) in a child at the lowest priority, so that the first
// patch of a file is as fast as later ones. The child dies with softpatch
// (PR_SET_PDEATHSIG); reap_strays reaps it when it ends first.
class CacheWarmer {
 public:
  void start(const std::string& build_dir) {
    if (pid_ > 0) return;
    char self[4096];
    ssize_t length = readlink("/proc/self/exe", self, sizeof self - 1);
    if (length <= 0) return;
    self[length] = '\0';
    std::vector<std::string> words = {"softpatch", "warm"};
    if (!build_dir.empty()) words.insert(words.end(), {"-p", build_dir});
    std::vector<char*> argv;
    for (std::string& word : words) argv.push_back(word.data());
    argv.push_back(nullptr);
    pid_t parent = getpid();
    pid_ = fork();
    if (pid_ != 0) return;
    // Only async-signal-safe calls until exec: other threads may hold locks.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(0);
    setpgid(0, 0);  // its compiles with it, to end together
    setpriority(PRIO_PROCESS, 0, 19);
    int null = open("/dev/null", O_RDWR);
    for (int fd = 0; fd < 3; ++fd) dup2(null, fd);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);  // softpatch blocks the signals it reads
    execv(self, argv.data());
    _exit(127);
  }

  ~CacheWarmer() {
    // Still our child (not reaped by reap_strays): end it.
    if (pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == 0) {
      kill(-pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

 private:
  pid_t pid_ = -1;
};

class DevLoop {
 public:
  explicit DevLoop(const DevLoopOptions& options)
      : options_(options),
        crash_report_(crash_report_path()),
        program_({options.command, program_environment(crash_report_), options.stop_signal,
                  options.grace}) {}

  ~DevLoop() {
    if (!crash_report_.empty()) unlink(crash_report_.c_str());
  }

  int run() {
    become_subreaper();
    if (!setup_signals()) return 1;
    std::optional<FileWatcher> watcher;
    watcher.emplace(watcher_options());
    if (options_.verbose)
      say("softpatch: watching " + std::to_string(watcher->files()) + " files in " +
          std::to_string(watcher->watched_directories()) + " directories (" +
          std::to_string(watcher->polled_directories()) + " polled)");
    build_command_ = default_build_command();
    start_built_program();
    if (!options_.no_patch) warmer_.start(build_dir_);
    Debouncer debouncer;
    for (;;) {
      pollfd fds[2] = {{signals_, POLLIN, 0}, {watcher->fd(), POLLIN, 0}};
      int timeout = watcher->poll_interval_ms();
      if (!debouncer.empty()) timeout = clamp_timeout(timeout, debouncer.due());
      if (restart_at_) timeout = clamp_timeout(timeout, *restart_at_);
      poll(fds, watcher->fd() >= 0 ? 2 : 1, timeout);
      if (fds[0].revents && handle_signals()) break;
      debouncer.add(watcher->take_candidates(), Clock::now());
      std::vector<std::string> batch = watcher->changed(debouncer.take(Clock::now()));
      if (!batch.empty()) act(batch);
      if (restart_at_ && Clock::now() >= *restart_at_) {
        restart_at_.reset();
        start_program("restarted");
      }
    }
    int status = program_.running() ? program_.stop() : last_status_;
    close(signals_);
    return status;
  }

 private:
  static int clamp_timeout(int timeout, Clock::time_point when) {
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(when - Clock::now()).count();
    int ms = static_cast<int>(std::max<long long>(0, wait) + 1);
    return timeout < 0 ? ms : std::min(timeout, ms);
  }

  bool setup_signals() {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGCHLD}) sigaddset(&set, sig);
    sigprocmask(SIG_BLOCK, &set, nullptr);
    signals_ = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (signals_ < 0) say("softpatch: signalfd failed");
    return signals_ >= 0;
  }

  // True when softpatch must stop.
  bool handle_signals() {
    bool stop = false;
    for (signalfd_siginfo info; read(signals_, &info, sizeof info) == sizeof info;) {
      if (info.ssi_signo == SIGCHLD) {
        program_ended();
        reap_strays(program_.keeper());
      } else {
        stop = true;
      }
    }
    return stop;
  }

  // What the agent of an instance that did not end cleanly left: its
  // socket, lock and patch files.
  static void sweep(pid_t pid) {
    Result<std::string> dir = protocol::agent_directory();
    if (dir)
      protocol::remove_program_entries(*dir, pid);
    else
      dir.ignore();  // no directory, nothing left in it
  }

  void program_ended() {
    std::optional<int> status = program_.finished();
    if (!status) return;
    // Named before the sweep: the patch files the frames are in go with it.
    std::optional<CrashTrace> crash = crash_trace();
    sweep(pid_);
    last_status_ = *status;
    if (int died = program_.last_signal(); died && !active_patches_.empty()) {
      // Probably the new code: the program comes back as last built, with
      // none of the patches, rather than being patched into the same crash.
      const char* signal = sigabbrev_np(died);
      say("softpatch: " + program_name() + " (pid " + std::to_string(pid_) + ") died from SIG" +
          (signal ? signal : std::to_string(died)) + " with patches active: " + describe_patches() +
          "; restarting it as last built");
      if (crash) say_crash(*crash, /*restarting=*/true);
      restart_at_ = Clock::now();
      return;
    }
    if (crash) say_crash(*crash, /*restarting=*/false);
    if (!options_.restart_on_exit) {
      say("softpatch: " + program_name() + " (pid " + std::to_string(pid_) +
          ") exited with status " + std::to_string(*status) + "; waiting for changes");
      return;
    }
    bool ran_long = seconds_since(started_at_) > 10;
    backoff_ = ran_long ? std::chrono::milliseconds(250)
                        : std::min(backoff_ * 2, std::chrono::milliseconds(30000));
    say("softpatch: " + program_name() + " (pid " + std::to_string(pid_) + ") exited with status " +
        std::to_string(*status) + "; restarting in " + std::to_string(backoff_.count()) + " ms");
    restart_at_ = Clock::now() + backoff_;
  }

  std::string program_name() const { return options_.command.front(); }

  // Where the program's agent leaves a crash report: softpatch run's own
  // file in the agent directory; "" (no report) when there is none.
  static std::string crash_report_path() {
    Result<std::string> dir = protocol::agent_directory();
    if (!dir) {
      dir.ignore();  // the agent will not start either, and says why
      return "";
    }
    return *dir + "/run-" + std::to_string(getpid()) + ".crash";
  }

  static std::vector<std::string> program_environment(const std::string& crash_report) {
    std::vector<std::string> environment{"SOFTPATCH_AGENT=1"};
    if (!crash_report.empty())
      environment.push_back(std::string(protocol::kCrashReportVariable) + "=" + crash_report);
    return environment;
  }

  // The frames of the crash of the instance that just ended, if it left a
  // report (it died from a fatal signal with its agent on). A report of
  // another process (one the program forked, which inherits the file's
  // name) or of another signal is not this death's.
  std::optional<CrashTrace> crash_trace() {
    int died = program_.last_signal();
    if (crash_report_.empty() || !died) return std::nullopt;
    Result<CrashTrace> trace = read_crash_trace(crash_report_);
    unlink(crash_report_.c_str());
    if (!trace) {
      trace.ignore();  // killed (SIGKILL, SIGTERM): no report, nothing to add
      return std::nullopt;
    }
    if (trace->pid != pid_ || trace->signal != died) return std::nullopt;
    return std::move(*trace);
  }

  static void say_crash(const CrashTrace& crash, bool restarting) {
    std::string lines = "softpatch: the crashing thread:";
    for (const std::string& frame : crash.frames) lines += "\n" + frame;
    say(lines);
    for (const auto& [number, file] : crash.patches)
      say("softpatch: the crash is in patch " + std::to_string(number) + ": " + file +
          " still holds the code that crashed, and it goes live again when the file is saved" +
          (restarting ? "; until then the program runs as last built" : ""));
  }

  FileWatcher::Options watcher_options() {
    FileWatcher::Options out;
    std::error_code error;
    std::string database = options_.build_dir.empty()
                               ? find_compile_database(".")
                               : (fs::path(options_.build_dir) / "compile_commands.json").string();
    if (!options_.build_dir.empty() && !exists(database)) database.clear();
    std::string root;
    if (!database.empty()) {
      build_dir_ = absolute_normal(fs::path(database).parent_path().string());
      root = cmake_source_directory(database);
    }
    if (root.empty()) root = fs::current_path(error).string();
    out.roots.push_back(absolute_normal(root));
    for (const std::string& dir : options_.watch) out.roots.push_back(absolute_normal(dir));
    out.filter = PathFilter(options_.includes, options_.ignores);
    out.watch_limit = options_.watch_limit;
    out.on_warning = [](const std::string& text) { say("softpatch: " + text); };
    if (options_.verbose) out.on_event = [](const std::string& text) { say("softpatch: " + text); };
    return out;
  }

  void start_program(const std::string& verb) {
    if (Result<pid_t> started = launch(); !started) {
      say("softpatch: cannot start " + started.take_error().message);
      return;
    }
    say("softpatch: " + verb + " " + program_name() + ", pid " + std::to_string(pid_));
  }

  // Starts a new instance: no patches in it yet.
  Result<pid_t> launch() {
    if (!crash_report_.empty()) unlink(crash_report_.c_str());  // an earlier instance's
    Result<pid_t> started = program_.start();
    if (!started) return started;
    pid_ = *started;
    started_at_ = Clock::now();
    active_patches_.clear();
    return started;
  }

  std::string describe_patches() const {
    std::string out;
    for (const auto& [number, file] : active_patches_)
      out += (out.empty() ? "" : ", ") + std::to_string(number) + " (" + file + ")";
    return out;
  }

  void act(const std::vector<std::string>& files) {
    if (options_.verbose)
      for (const std::string& file : files) say("softpatch: changed " + file);
    std::vector<ChangedFile> facts;
    for (const std::string& file : files) facts.push_back(facts_of(file, build_dir_));
    Decision decision =
        decide(facts, {program_.running(), options_.no_patch, build_command_, !build_dir_.empty()});
    for (const std::string& file : decision.ignored)
      say(shown(file) + " \u2192 not part of the build (no compile command" +
          (build_dir_.empty() ? std::string() : " in " + shown(build_dir_)) + "): nothing done");
    if (decision.action == Action::kIgnore) return;
    if (decision.action == Action::kNeedsBuild) {
      say(shown(decision.files) + " \u2192 needs a rebuild (" + decision.reason +
          "), and there is no build command (give --build, or -p a CMake build directory)" +
          (program_.running() ? ": the program keeps running" : ": the program stays stopped"));
      return;
    }
    if (decision.action == Action::kRestart) {
      rebuild_and_restart(decision.files, decision.reason, decision.build_command);
      return;
    }
    for (const std::string& file : decision.files) {
      llvm::Expected<AppliedPatch> applied = patch_process(program_.pid(), file, build_dir_);
      if (applied) {
        if (applied->number) active_patches_.emplace_back(applied->number, shown(file));
        std::vector<std::string> report = patch_report(shown(file), *applied);
        say(report.front());
        for (std::size_t i = 1; i < report.size(); ++i) say("softpatch: " + report[i]);
        if (options_.verbose && applied->number)
          say("softpatch: build " + format(applied->build_seconds) + " s, load and switch " +
              format(applied->load_seconds) + " s");
        for (const std::string& warning : applied->warnings) say("softpatch: " + warning);
        continue;
      }
      PatchOutcome outcome = PatchOutcome::kNeedsRestart;
      std::string message;
      llvm::handleAllErrors(applied.takeError(), [&](const PatchFailure& failure) {
        if (failure.stage() == PatchFailure::kBuild) outcome = PatchOutcome::kDoesNotCompile;
        message = failure.text();
      });
      if (after_patch(outcome) == Action::kRestart) {
        // The line names the file already.
        std::string reason = last_line(message);
        if (reason.rfind(file + ": ", 0) == 0) reason.erase(0, file.size() + 2);
        rebuild_and_restart({file}, reason, build_command_);
        return;
      }
      // The other files of the batch still count.
      say(shown(file) + " \u2192 does not compile; the program keeps running:\n" + message);
    }
  }

  static std::string format(double seconds) {
    char text[32];
    std::snprintf(text, sizeof text, "%.2f", seconds);
    return text;
  }

  void rebuild_and_restart(const std::vector<std::string>& files, const std::string& reason,
                           const std::string& build_command) {
    std::string what = shown(files) + " \u2192 restart (" + reason + ")";
    auto started = Clock::now();
    if (!build_command.empty()) {
      ProcessResult built = build(build_command);
      if (built.status != 0) {
        say(what + ": build failed in " + format(seconds_since(started)) + " s" +
            (program_.running() ? "; the program keeps running" : "") + ":\n" +
            last_lines(built.error_text));
        return;
      }
    }
    double build_seconds = seconds_since(started);
    pid_t before = program_.running() ? program_.pid() : 0;
    auto stopping = Clock::now();
    if (program_.running()) {
      last_status_ = program_.stop();
      sweep(before);
    }
    double stop_seconds = seconds_since(stopping);
    restart_at_.reset();
    auto starting = Clock::now();
    if (Result<pid_t> started = launch(); !started) {
      say(what + ": cannot start " + started.take_error().message);
      return;
    }
    if (options_.verbose)
      say("softpatch: build " + format(build_seconds) + " s, stop " + format(stop_seconds) +
          " s, start " + format(seconds_since(starting)) + " s");
    say(what + ": build " + format(build_seconds) + " s, pid " +
        (before ? std::to_string(before) : std::string("-")) + " \u2192 " + std::to_string(pid_));
  }

  // --build, else `cmake --build` of the -p directory when it is a CMake
  // build tree, else none (and a warning that the program may be stale).
  std::string default_build_command() const {
    if (!options_.build_command.empty()) return options_.build_command;
    if (!options_.build_dir.empty() &&
        exists((fs::path(options_.build_dir) / "CMakeCache.txt").string()))
      return "cmake --build '" + options_.build_dir + "'";
    return "";
  }

  // Runs the build, saying so when it starts and again while it runs long
  // (after 5 s, then every 15 s from 15 s on), its output kept for errors.
  ProcessResult build(const std::string& command) {
    std::string building = "softpatch: building (" + command + ")\u2026";
    say(building);
    auto started = Clock::now();
    double next_note = 5;
    return start_process({"/bin/sh", "-c", "exec 1>&2; " + command}, Stderr::kCapture)
        .wait(std::chrono::milliseconds(250), [&] {
          double seconds = seconds_since(started);
          if (seconds < next_note) return;
          say(building + " " + std::to_string(static_cast<long>(seconds)) + " s");
          next_note = next_note < 15 ? 15 : next_note + 15;
        });
  }

  // The program starts as its sources now say: built first; a build that
  // fails leaves it stopped until a save fixes it.
  void start_built_program() {
    if (build_command_.empty()) {
      if (!options_.no_patch)
        say("softpatch: no build command (give --build, or -p a CMake build directory): " +
            program_name() + " may be older than its sources");
      start_program("started");
      return;
    }
    auto started = Clock::now();
    ProcessResult built = build(build_command_);
    if (built.status != 0) {
      say("softpatch: the build failed in " + format(seconds_since(started)) + " s; not starting " +
          program_name() + " until a change fixes it:\n" + last_lines(built.error_text));
      return;
    }
    start_program("started");
  }

  // The end of a long build log: where the errors are.
  static std::string last_lines(const std::string& text) {
    std::size_t at = text.size();
    for (int lines = 0; lines < 40 && at != std::string::npos && at > 0; ++lines)
      at = text.rfind('\n', at - 1);
    std::string out = at == std::string::npos || at == 0 ? text : text.substr(at + 1);
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }

  const DevLoopOptions& options_;
  std::string crash_report_;  // the file the program's agent leaves a crash report in
  ProgramGroup program_;
  std::string build_dir_;
  std::string build_command_;  // --build, or the default one; "" for none
  int signals_ = -1;
  pid_t pid_ = 0;
  int last_status_ = 0;
  Clock::time_point started_at_;
  std::chrono::milliseconds backoff_{250};
  std::optional<Clock::time_point> restart_at_;
  std::vector<std::pair<int, std::string>> active_patches_;  // in the running instance
  CacheWarmer warmer_;
};

}  // namespace

int run_dev_loop(const DevLoopOptions& options) { return DevLoop(options).run(); }

}  // namespace softpatch::driver
