// Builds a patch (.so) for one edited file of an instrumented program: the
// rewriter's patch mode, then the file's own compile command turned into a
// shared-library build with the flags state sharing needs
// (-fPIC -shared -Wl,-Bsymbolic-functions: the patch's functions bind to the
// patch, its data to the program).
#ifndef SOFTPATCH_PATCHING_PATCH_BUILDER_H
#define SOFTPATCH_PATCHING_PATCH_BUILDER_H

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "llvm/Support/Error.h"
#include "softpatch/changes/code_changes.h"

namespace softpatch::driver {

struct PatchRequest {
  std::string edited_file;                   // the text to build (usually the file itself)
  std::string original_file;                 // the program's file it replaces
  std::vector<std::string> compile_command;  // the original's, compiler first
  std::string directory;                     // where it runs (its relative paths resolve there)
  std::string project_root;
  std::string build_id;  // of the program module holding the file
  std::string output;    // the .so to write; its source is written next to it
  // The file's code as it runs, when known: the edit is compared with it
  // before anything is compiled.
  std::optional<std::vector<CodeFingerprint>> running;
  // The file's code as it was built, when known: the patch then carries only
  // the functions whose code differs from the build's (changed, by this
  // edit or an earlier patch, or new); the others call the program's own
  // copy, and run the build's code again. A patch of one changed function
  // compiles one function.
  std::optional<std::vector<CodeFingerprint>> built;
  // A patch of this project header (absolute path), which `original_file`
  // includes: `running` is then the header's code
  // (rewriter::PatchOptions::header), and the patch carries the functions
  // whose bodies differ from what runs (the others go on running it).
  std::string header;
  // The code of a project header (by project file) as it runs, when known:
  // a patch of a file is refused while a header it includes has edits that
  // do not run yet, whose bodies its own calls would run alone.
  std::function<std::optional<std::vector<CodeFingerprint>>(const std::string& project_file)>
      running_header;
  // The process the patch is for (0: none yet): what the patch needs that
  // its module defines without exporting it is bound to its address there
  // (unexported_symbols.h).
  int pid = 0;
};

struct BuiltPatch {
  std::string path;  // "" when the edit changed nothing of the code that runs
  std::size_t functions = 0;
  std::optional<CodeChanges> changes;  // when the running code was known
  // Functions whose build's code the patch calls rather than carries (see
  // PatchRequest::built); 0 for a whole-file patch.
  std::size_t imported = 0;
  // Whether it carries instantiations of templates (a header's patch).
  bool carries_instantiations = false;
};

// The ids of the functions in `edited` that a patch must carry when the
// file was built as `built`: every function whose code differs from the
// build's, or that the build does not have.
std::set<std::string> functions_to_compile(const std::vector<CodeFingerprint>& built,
                                           const std::vector<CodeFingerprint>& edited);

// The edited file does not compile: the compiler's diagnostics.
class CompileError : public llvm::ErrorInfo<CompileError> {
 public:
  static char ID;
  explicit CompileError(std::string diagnostics) : diagnostics_(std::move(diagnostics)) {}
  void log(llvm::raw_ostream& out) const override { out << diagnostics_; }
  std::error_code convertToErrorCode() const override { return llvm::inconvertibleErrorCode(); }

 private:
  std::string diagnostics_;
};

// Fails with a CompileError when the file does not compile, else with why
// it cannot be patched: it changes what a patch cannot change ("constructor
// S::S() changed: ...: restart needed"), or the rewriter cannot share a
// variable, say. Builds
// nothing (an empty path) when `request.running` shows that the edit
// changed nothing of the code that runs.
llvm::Expected<BuiltPatch> build_patch(const PatchRequest& request);

// Does what the first patch of `request.edited_file` would do before its
// compile, so that the first patch is as fast as later ones: the rewriter's
// parse, which precompiles the file's preamble into the preamble cache (the
// instrumented build saw it once), and the compiler's precompiled preamble
// (waited for: call it in the background). Writes no patch.
llvm::Error warm_patch_caches(const PatchRequest& request);

// `command` (a compile of one source to an object) turned into the compiler
// and the flags that compile a patch's code, without source or output.
std::vector<std::string> patch_compile_command(const std::vector<std::string>& command);

// `command` (a compile of one source to an object) turned into a link of
// `source` into the shared library `output`.
std::vector<std::string> shared_library_command(const std::vector<std::string>& command,
                                                const std::string& source,
                                                const std::string& output);

}  // namespace softpatch::driver

#endif  // SOFTPATCH_PATCHING_PATCH_BUILDER_H
