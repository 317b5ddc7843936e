// What the dev loop does with a burst of saved files, decided from facts the
// loop gathered (no file system, no processes, no LLVM here): patch each
// .cpp the build compiles into the running program, or rebuild and restart
// it for the rest — and with which build command.
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
};

struct LoopState {
  bool program_running = false;
  bool no_patch = false;      // --no-patch: every change restarts
  std::string build_command;  // --build, or "" for none
};

enum class Action { kPatch, kRestart };

struct Decision {
  Action action = Action::kPatch;
  std::vector<std::string> files;  // kPatch: the files to patch; kRestart: those that need it
  std::string reason;              // kRestart: why, as the restart line says it
  std::string build_command;       // kRestart: what to run before starting again ("" for none)
};

// Patch when every file is a .cpp the build compiles and the program runs;
// otherwise restart, naming the first reason (header changed, build files
// changed, file removed, not C++ source, not yet built, not running,
// changed under --no-patch) and the files that need it.
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
