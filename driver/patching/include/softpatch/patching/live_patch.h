// Patching a running program from the command line's side: find the process
// that runs a file, build the patch for it, have the agent apply it. Shared
// by `softpatch patch` and `softpatch run`.
#ifndef SOFTPATCH_PATCHING_LIVE_PATCH_H
#define SOFTPATCH_PATCHING_LIVE_PATCH_H

#include <optional>
#include <string>
#include <vector>

#include "llvm/Support/Error.h"
#include "softpatch/patching/patch_builder.h"
#include "softpatch/result.h"

namespace softpatch::driver {

// What to say when no program runs an agent, with how to start one.
extern const char kNoRunningAgent[];

// The one running program with an agent: an error when there is none, or
// several (naming them).
llvm::Expected<int> only_running_agent();

// An agent's error message as the command line prints it (it says who
// speaks itself: the loader's "softpatch: " prefix goes).
std::string agent_message(Error error);

// Why `file` cannot be patched, each mistake with its own cause: it does
// not exist, it is a directory, a build file or not C++ at all. Success for
// a C++ source file or header.
llvm::Error check_source_file(const std::string& file);

// Why process `pid` cannot be asked anything: there is no such process, or
// it runs no agent (and how to start one).
llvm::Error check_process(int pid);

// Why `dir`, given as -p, is no build directory to patch from: it does not
// exist, or holds no compile_commands.json.
llvm::Error check_build_directory(const std::string& dir);

// Where a source file sits among the instrumented files of a process.
struct FileInProcess {
  std::string project_root;            // the --root the program's build gave softpatch-cc
  std::string project_file;            // the file, relative to it
  std::string build_id;                // of the module holding the file's code
  std::vector<CodeFingerprint> code;   // the file's code as it runs
  std::vector<CodeFingerprint> built;  // and as it was built
};

// Asks process `pid` about `source` (an absolute path): its answer for the
// nearest directory above the file under which the program knows it.
llvm::Expected<FileInProcess> find_file_in_process(int pid, const std::string& source);

// The running program to patch `file` into when no pid is given: the one
// process with an agent that has the file; among several, those whose
// executable lies in the build directory of the file's compile command (in
// `build_dir`, or found as find_compile_command does). Fails naming the
// candidates when that still leaves more than one.
llvm::Expected<int> process_for_file(const std::string& file, const std::string& build_dir);

struct AppliedPatch {
  int number = 0;  // 0 when nothing was loaded (the edit changed nothing that runs)
  std::string project_file;
  std::size_t functions = 0;
  bool pending = false;                // waits for the program's safepoint()
  std::vector<std::string> warnings;   // what its lifecycle hooks threw
  double seconds = 0;                  // from the start of the build to the switch
  double build_seconds = 0;            // of which: rewriting and compiling
  double load_seconds = 0;             // and the agent's load and switch
  std::optional<CodeChanges> changes;  // against the code that ran, when it was known
};

// What `softpatch patch` and `softpatch run` say of a patch of `shown_file`:
// "src/a.cpp → patch 3: 2 changed (get, make_key), 1 added (key) in 0.38 s",
// or "src/a.cpp: no change in the code that runs (nothing loaded)"; then a
// line per running value kept.
std::vector<std::string> patch_report(const std::string& shown_file, const AppliedPatch& patch);

// Has process `pid` load the patch file `patch_file` (made absolute, since
// the program's working directory is its own). Errors name the file as
// `shown_as` (by default, as given).
llvm::Expected<AppliedPatch> load_into_process(int pid, const std::string& patch_file,
                                               const std::string& shown_as);
inline llvm::Expected<AppliedPatch> load_into_process(int pid, const std::string& patch_file) {
  return load_into_process(pid, patch_file, patch_file);
}

// Why patch_process failed, by the step that failed: kFind (no compile
// command, or the program does not have the file: rebuild), kBuild (the
// file does not compile: nothing to do until it does), kApply (the rewriter
// or the program refused the patch, or it changes what a patch cannot, e.g.
// "constructor X changed: ...: restart needed", or the agent is gone:
// rebuild and restart). A patch that would change nothing of the code that
// runs is built and loaded not at all, and is no failure (number 0).
class PatchFailure : public llvm::ErrorInfo<PatchFailure> {
 public:
  enum Stage { kFind, kBuild, kApply };
  static char ID;

  PatchFailure(Stage stage, std::string message) : stage_(stage), message_(std::move(message)) {}
  Stage stage() const { return stage_; }
  const std::string& text() const { return message_; }
  void log(llvm::raw_ostream& out) const override { out << message_; }
  std::error_code convertToErrorCode() const override { return llvm::inconvertibleErrorCode(); }

 private:
  Stage stage_;
  std::string message_;
};

// Builds the patch for `file` (its command from compile_commands.json in
// `build_dir`, or found as find_compile_command does) and applies it to
// process `pid`. One softpatch at a time patches a process: a second caller
// waits for the first (`on_wait` is told once, before waiting). Errors are
// PatchFailure.
llvm::Expected<AppliedPatch> patch_process(int pid, const std::string& file,
                                           const std::string& build_dir,
                                           void (*on_wait)(int pid) = nullptr);

// The project's source files most likely to be patched next: the `count`
// most recently modified .cpp files of compile_commands.json in `build_dir`
// (or found as find_compile_command does) under the CMake source directory.
std::vector<std::string> files_worth_warming(const std::string& build_dir, std::size_t count);

// warm_patch_caches() for `file` with its compile command: its first patch
// is then as fast as later ones.
llvm::Error warm_file(const std::string& file, const std::string& build_dir);

// Builds the patch for `file` into `output` without a running program: for
// the instrumented `binary` (its build id goes in the manifest), with the
// project root given, or else the source directory of the CMake build that
// wrote the compile command. The code is `edited` when given (a working
// copy elsewhere), else the file itself. For shipping a fix, for tools such
// as the REPL, and for benchmarks.
llvm::Expected<BuiltPatch> build_patch_for_binary(const std::string& file,
                                                  const std::string& build_dir,
                                                  const std::string& binary, std::string root,
                                                  const std::string& output,
                                                  const std::string& edited = "");

}  // namespace softpatch::driver

#endif  // SOFTPATCH_PATCHING_LIVE_PATCH_H
