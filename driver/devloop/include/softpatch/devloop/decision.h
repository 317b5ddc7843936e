// What the dev loop does with a burst of saved files, decided from facts the
// loop gathered (no file system, no processes, no LLVM here): patch each
// .cpp the build compiles into the running program, or rebuild and restart
// it for the rest — and with which build command; leave alone a .cpp the
// build does not compile; and never restart a program on a binary older
// than its sources: with no build command for such a change, say so.
//
//   Decision d = decide({{"src/a.cpp", true, true}}, {.program_running = true});
//   if (d.action == Action::kPatch) for (auto& f : d.files) patch(f);
#ifndef SOFTPATCH_DEVLOOP_DECISION_H
#define SOFTPATCH_DEVLOOP_DECISION_H

#include <string>
#include <vector>

namespace softpatch::driver {

// What the loop knows of one file whose content changed.
struct ChangedFile {
  std::string path;
  bool exists = true;                // false: removed (or renamed away)
  bool has_compile_command = false;  // the build's compile_commands.json compiles it
  bool instrumented_header = false;  // a header a file of the build instruments: patched live
};

struct LoopState {
  bool program_running = false;
  bool no_patch = false;             // --no-patch: every change restarts
  std::string build_command;         // --build, or the default build; "" for none
  bool has_compile_database = true;  // without one, no file is known to be outside the build
};

enum class Action {
  kPatch,       // patch `files` live
  kRestart,     // run `build_command` (if any), then start the program again
  kNeedsBuild,  // `files` need a rebuild and there is no build command: say so, change nothing
  kIgnore,      // nothing to do: `ignored` are .cpp files the build does not compile
};

struct Decision {
  Action action = Action::kPatch;
  std::vector<std::string> files;    // kPatch: to patch; kRestart, kNeedsBuild: those that need it
  std::vector<std::string> ignored;  // .cpp files the build does not compile (any action)
  std::string reason;                // kRestart, kNeedsBuild: why, as the line says it
  std::string build_command;         // kRestart: what to run before starting ("" for none)
};

// Patch when every file that counts is a .cpp the build compiles, or a
// header that a file of the build instruments, and the program runs;
// otherwise restart, naming the first reason (header changed,
// build files changed, file removed, not C++ source, not running, changed
// under --no-patch) and the files that need it. A .cpp without a compile
// command is not part of the build: ignored. A restart for a C++ file
// (source, header, build file) with no build command is kNeedsBuild: the
// same binary would start again. Other files (a script, data) restart
// without a build: `--no-patch -- python server.py` is a plain restarter.
Decision decide(const std::vector<ChangedFile>& files, const LoopState& state);

// How a patch attempt ended, as the loop sees it.
enum class PatchOutcome {
  kApplied,         // live
  kDoesNotCompile,  // the file's own compiler refused it
  kNeedsRestart,    // refused (layout, removed function...) or no agent: rebuild
};

// After one file of a patch batch: whether the loop goes on with the next
// file (applied, or a compile error the developer must fix first, which
// leaves the program running), or rebuilds and restarts for this one.
Action after_patch(PatchOutcome outcome);

}  // namespace softpatch::driver

#endif  // SOFTPATCH_DEVLOOP_DECISION_H
