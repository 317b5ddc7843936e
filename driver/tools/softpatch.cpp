// softpatch: patch a running instrumented program, list its functions, roll
// patches back.
//
//   softpatch patch [-p BUILD_DIR] [--pid PID] FILE...
//   softpatch build [-p BUILD_DIR] --for BINARY [--root DIR] [--as ORIGINAL] -o PATCH.so FILE
//   softpatch load [--pid PID] PATCH.so
//   softpatch run [-p BUILD_DIR] [--build CMD] [options] -- PROGRAM ARGS...
//   softpatch status | list [PATTERN] | rollback [N]   [--pid PID]
//   softpatch coverage [-p BUILD_DIR] [--root DIR] [--each] [FILE...]
#include <CLI/CLI.hpp>
#include <cctype>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <sstream>

#include "softpatch/cache/caches.h"
#include "softpatch/changes/code_changes.h"
#include "softpatch/common/paths.h"
#include "softpatch/coverage/coverage.h"
#include "softpatch/devloop/dev_loop.h"
#include "softpatch/patching/live_patch.h"
#include "softpatch/protocol/agent_client.h"

namespace protocol = softpatch::protocol;

namespace {

int fail(const std::string& message) {
  std::fprintf(stderr, "softpatch: %s\n", message.c_str());
  return 1;
}

int fail(llvm::Error error) { return fail(llvm::toString(std::move(error))); }

// The process to talk to: --pid (checked to run an agent), or the only one
// running an agent.
llvm::Expected<int> target(int pid) {
  if (!pid) return softpatch::driver::only_running_agent();
  if (llvm::Error error = softpatch::driver::check_process(pid)) return error;
  return pid;
}

void say_waiting(int pid) {
  std::fprintf(stderr, "softpatch: waiting for another softpatch patching process %d\n", pid);
}

int patch_file(int pid, const std::string& file, const std::string& build_dir) {
  if (llvm::Error error = softpatch::driver::check_source_file(file)) return fail(std::move(error));
  if (pid) {
    if (llvm::Error error = softpatch::driver::check_process(pid)) return fail(std::move(error));
  } else {
    llvm::Expected<int> found = softpatch::driver::process_for_file(file, build_dir);
    if (!found) return fail(llvm::toString(found.takeError()));
    pid = *found;
  }
  llvm::Expected<softpatch::driver::AppliedPatch> applied =
      softpatch::driver::patch_process(pid, file, build_dir, say_waiting);
  if (!applied) return fail(llvm::toString(applied.takeError()));
  for (const std::string& warning : applied->warnings)
    std::fprintf(stderr, "softpatch: %s\n", warning.c_str());
  std::vector<std::string> report = softpatch::driver::patch_report(file, *applied);
  std::printf("%s\n", report.front().c_str());
  for (std::size_t i = 1; i < report.size(); ++i)
    std::fprintf(stderr, "softpatch: %s\n", report[i].c_str());
  return 0;
}

int load_file(int pid, const std::string& file) {
  llvm::Expected<int> process = target(pid);
  if (!process) return fail(llvm::toString(process.takeError()));
  llvm::Expected<softpatch::driver::AppliedPatch> applied =
      softpatch::driver::load_into_process(*process, file);
  if (!applied) return fail(llvm::toString(applied.takeError()));
  for (const std::string& warning : applied->warnings)
    std::fprintf(stderr, "softpatch: %s\n", warning.c_str());
  std::printf("%s \u2192 patch %d: %zu functions%s\n", file.c_str(), applied->number,
              applied->functions, applied->pending ? " (waits for a safe point)" : "");
  return 0;
}

// "TERM", "SIGTERM" or "15".
int signal_number(const std::string& name) {
  if (!name.empty() && std::isdigit(static_cast<unsigned char>(name[0])))
    return std::atoi(name.c_str());
  std::string bare = name.rfind("SIG", 0) == 0 ? name.substr(3) : name;
  for (int sig = 1; sig < NSIG; ++sig)
    if (const char* abbreviation = sigabbrev_np(sig); abbreviation && bare == abbreviation)
      return sig;
  return -1;
}

const char* state_name(protocol::PatchSummary::State state) {
  switch (state) {
    case protocol::PatchSummary::State::kActive:
      return "active";
    case protocol::PatchSummary::State::kPending:
      return "pending";
    case protocol::PatchSummary::State::kRolledBack:
      break;
  }
  return "rolled back";
}

// Quiet when all is well; a file that cannot be warmed is named, and the
// others are warmed still.
int warm_caches(std::vector<std::string> files, const std::string& build_dir) {
  if (files.empty()) files = softpatch::driver::files_worth_warming(build_dir, 8);
  int status = 0;
  for (const std::string& file : files)
    if (llvm::Error error = softpatch::driver::warm_file(file, build_dir)) {
      fail(file + ": " + llvm::toString(std::move(error)));
      status = 1;
    }
  return status;
}

// The report goes to stdout; files that could not be parsed make it fail.
int show_coverage(const std::string& build_dir, const std::string& root,
                  const std::vector<std::string>& files, bool each) {
  llvm::Expected<softpatch::driver::Coverage> coverage =
      softpatch::driver::measure_coverage(build_dir, root, files);
  if (!coverage) return fail(coverage.takeError());
  for (const std::string& line : softpatch::driver::coverage_report(*coverage, each))
    std::printf("%s\n", line.c_str());
  return coverage->failed.empty() ? 0 : 1;
}

int clean_caches() {
  std::string root = softpatch::cache::default_directory();
  if (root.empty()) return fail("no cache directory (SOFTPATCH_CACHE_DIR=off, or no home)");
  softpatch::Result<softpatch::cache::Trimmed> cleared = softpatch::cache::clear_all(root);
  if (!cleared) return fail(cleared.error());
  std::printf("removed %llu entries (%.1f MiB) from %s%s\n",
              static_cast<unsigned long long>(cleared->removed), cleared->freed_bytes / 1048576.0,
              root.c_str(), cleared->kept ? "; entries being built stay" : "");
  return 0;
}

// "14:03:22" today, "2026-11-30 14:03:22" on another day: local time.
std::string clock_time(long long seconds) {
  std::time_t at = static_cast<std::time_t>(seconds), now = std::time(nullptr);
  std::tm when{}, today{};
  localtime_r(&at, &when);
  localtime_r(&now, &today);
  bool same_day = when.tm_year == today.tm_year && when.tm_yday == today.tm_yday;
  char text[32];
  std::strftime(text, sizeof text, same_day ? "%H:%M:%S" : "%Y-%m-%d %H:%M:%S", &when);
  return text;
}

// "1 changed (greet), 1 added (shout)"; "no function changed" for a patch
// that changed only initialisers.
std::string what_changed(const protocol::PatchSummary& patch) {
  softpatch::CodeChanges changes;
  changes.changed = patch.changed;
  changes.added = patch.added;
  return softpatch::describe(changes);
}

int show_status(int pid) {
  softpatch::Result<protocol::StatusReply> status = protocol::ask(pid, protocol::StatusRequest{});
  if (!status) return fail(softpatch::driver::agent_message(status.take_error()));
  int active = 0;
  for (const protocol::PatchSummary& patch : status->patches)
    active += patch.state == protocol::PatchSummary::State::kActive;
  std::printf("pid %d\nexe %s\npatches %zu active %d\n", status->pid, status->executable.c_str(),
              status->patches.size(), active);
  for (const protocol::PatchSummary& patch : status->patches)
    std::printf("patch %d\t%s\t%s\t%s\t%s\n", patch.number, patch.project_file.c_str(),
                clock_time(patch.loaded_at).c_str(), state_name(patch.state),
                what_changed(patch).c_str());
  return 0;
}

// "patch 3", "redirected" (a mock, say) or "-" (the build's code).
std::string runs_from(const protocol::FunctionEntry& f) {
  if (f.patch) return "patch " + std::to_string(f.patch);
  return f.redirected ? "redirected" : "-";
}

int show_list(int pid, const std::string& pattern) {
  softpatch::Result<protocol::ListReply> list = protocol::ask(pid, protocol::ListRequest{pattern});
  if (!list) return fail(softpatch::driver::agent_message(list.take_error()));
  for (const protocol::FunctionEntry& f : list->functions)
    std::printf("%s\t%s:%u\t%s\n", f.name.c_str(), f.project_file.c_str(), f.line,
                runs_from(f).c_str());
  return 0;
}

int roll_back(int pid, int number) {
  softpatch::Result<protocol::PatchReply> rolled =
      protocol::ask(pid, protocol::RollbackRequest{number});
  if (!rolled) return fail(softpatch::driver::agent_message(rolled.take_error()));
  for (const std::string& warning : rolled->warnings)
    std::fprintf(stderr, "softpatch: %s\n", warning.c_str());
  std::printf("rolled back patch %d (%s)\n", rolled->patch.number,
              rolled->patch.project_file.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"softpatch: live code patching for C++"};
  app.set_version_flag("--version", "softpatch " SOFTPATCH_VERSION);
  app.require_subcommand(1);
  int pid = 0;
  std::string build_dir, pattern;
  std::vector<std::string> files;
  int number = 0;

  CLI::App* patch = app.add_subcommand("patch", "build patches for changed files and apply them");
  patch->add_option("-p", build_dir, "build directory holding compile_commands.json");
  patch->add_option("--pid", pid, "the process to patch");
  patch->add_option("files", files, "edited .cpp files")->required();
  CLI::App* load = app.add_subcommand("load", "apply a patch file built by softpatch build");
  load->add_option("--pid", pid, "the process to patch");
  load->add_option("patch", files, "the patch file")->required()->expected(1);
  std::string binary, root, output;
  CLI::App* build = app.add_subcommand("build", "build a patch file without a running program");
  build->add_option("-p", build_dir, "build directory holding compile_commands.json");
  build->add_option("--for", binary, "the instrumented program or library")->required();
  build->add_option("--root", root, "the project root (default: the CMake source directory)");
  build->add_option("-o", output, "the patch file to write")->required();
  std::string as_file;
  build->add_option("--as", as_file, "FILE is a copy of this file of the program");
  build->add_option("file", files, "the edited .cpp file")->required()->expected(1);
  softpatch::driver::DevLoopOptions loop;
  std::string stop_signal = "TERM";
  double grace = 2;
  CLI::App* run = app.add_subcommand(
      "run", "run a program, patch it live as its sources change, else rebuild and restart it");
  run->add_option("-p", loop.build_dir, "build directory holding compile_commands.json");
  run->add_option("--build", loop.build_command, "the build command, run before a restart");
  run->add_option("--watch", loop.watch, "another directory to watch");
  run->add_option("--include", loop.includes, "only files matching this glob count");
  run->add_option("--ignore", loop.ignores, "files matching this glob do not count");
  run->add_flag("--no-patch", loop.no_patch, "never patch: rebuild and restart on every change");
  run->add_flag("--restart-on-exit", loop.restart_on_exit,
                "restart the program when it ends by itself (with backoff)");
  run->add_option("--signal", stop_signal, "the signal that stops the program (TERM)");
  run->add_option("--grace", grace, "seconds before SIGKILL (2)");
  run->add_option("--max-watches", loop.watch_limit, "use at most this many inotify watches")
      ->group("");
  run->add_flag("-v", loop.verbose, "show file events and the time of each step");
  run->add_option("command", loop.command, "the program and its arguments (after --)")->required();
  CLI::App* clean = app.add_subcommand("clean", "empty softpatch's caches (precompiled preambles)");
  CLI::App* warm = app.add_subcommand(
      "warm", "prepare the caches a file's first patch needs (softpatch run does, at start)");
  warm->add_option("-p", build_dir, "build directory holding compile_commands.json");
  warm->add_option("files", files, ".cpp files (default: the 8 most recently modified)");
  bool each = false;
  CLI::App* coverage = app.add_subcommand(
      "coverage",
      "how many of the project's function definitions the build instruments, and why not");
  coverage->add_option("-p", build_dir, "build directory holding compile_commands.json");
  coverage->add_option("--root", root, "the project root (default: the CMake source directory)");
  coverage->add_flag("--each", each, "list every definition not instrumented, with its place");
  coverage->add_option("files", files, "only these files of the build (default: all)");
  CLI::App* status = app.add_subcommand("status", "the running program and its patches");
  status->add_option("--pid", pid, "the process");
  CLI::App* list = app.add_subcommand("list", "instrumented functions, patched or not");
  list->add_option("pattern", pattern, "part of a function's name");
  list->add_option("--pid", pid, "the process");
  CLI::App* rollback = app.add_subcommand("rollback", "undo the latest patch, or patch N");
  rollback->add_option("number", number, "the patch to undo");
  rollback->add_option("--pid", pid, "the process");
  // A word where a command belongs is named as such.
  if (argc > 1 && argv[1][0] != '-') {
    std::string names;
    bool known = false;
    for (const CLI::App* command : app.get_subcommands([](const CLI::App*) { return true; })) {
      names += (names.empty() ? "" : ", ") + command->get_name();
      known = known || command->get_name() == argv[1];
    }
    if (!known)
      return fail(std::string("unknown command '") + argv[1] + "' (commands: " + names +
                  "; see --help)");
  }
  CLI11_PARSE(app, argc, argv);
  if (!build_dir.empty() && (*patch || *build)) {
    if (llvm::Error error = softpatch::driver::check_build_directory(build_dir))
      return fail(std::move(error));
  }

  if (*run) {
    std::error_code error;
    if (!loop.build_dir.empty() && !std::filesystem::is_directory(loop.build_dir, error))
      return fail(loop.build_dir + ": no such build directory");
    loop.stop_signal = signal_number(stop_signal);
    if (loop.stop_signal <= 0) return fail("unknown signal '" + stop_signal + "'");
    loop.grace = std::chrono::milliseconds(static_cast<long>(grace * 1000));
    return softpatch::driver::run_dev_loop(loop);
  }
  if (*build) {
    if (!softpatch::driver::exists(binary)) return fail(binary + ": no such file");
    llvm::Expected<softpatch::driver::BuiltPatch> built =
        as_file.empty() ? softpatch::driver::build_patch_for_binary(files.front(), build_dir,
                                                                    binary, root, output)
                        : softpatch::driver::build_patch_for_binary(as_file, build_dir, binary,
                                                                    root, output, files.front());
    if (!built) return fail(llvm::toString(built.takeError()));
    return 0;
  }
  if (*load) return load_file(pid, files.front());
  if (*clean) return clean_caches();
  if (*warm) return warm_caches(files, build_dir);
  if (*coverage) return show_coverage(build_dir, root, files, each);
  if (*patch) {
    int status_code = 0;
    for (const std::string& file : files) status_code |= patch_file(pid, file, build_dir);
    return status_code;
  }
  llvm::Expected<int> process = target(pid);
  if (!process) return fail(llvm::toString(process.takeError()));
  if (*status) return show_status(*process);
  if (*list) return show_list(*process, pattern);
  return roll_back(*process, number);
}
