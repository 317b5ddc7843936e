// Patch mode of the rewriter: turns an edited C++ file into the source of a
// patch for the running program — the file's new code, sharing the
// program's state, plus a manifest the loader checks:
//
//   * namespace-scope variables with external linkage become `extern`
//     declarations (no second copy, no second initialisation); out-of-line
//     definitions of static data members are dropped;
//   * file `static`, anonymous-namespace and function-local statics become
//     references bound through the variable store to the program's instances
//     (or, for variables the patch adds, to the first patch that added them);
//     constants stay as written, so a changed constexpr takes effect;
//   * no trampolines; inline functions are kept in the patch (used);
//   * the manifest (softpatch/internal/manifest.h) lists every function
//     with its id, signature and, where dlsym cannot find it, its entry.
//
// Line numbers do not move, as in instrument mode.
#ifndef SOFTPATCH_REWRITER_PATCHER_H
#define SOFTPATCH_REWRITER_PATCHER_H

#include <string>
#include <vector>

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"
#include "softpatch/changes/code_fingerprint.h"
#include "softpatch/rewriter/instrumenter.h"

namespace softpatch::rewriter {

struct PatchOptions {
  std::string project_root;
  // The file the patch replaces, when the edited text is parsed from
  // elsewhere; empty: the file parsed is the file itself.
  std::string original_file;
  std::string patch_header;  // absolute path of softpatch/internal/patch.h
  std::string build_id;      // of the module the file was built into
  std::string preamble_cache;
  // Where the compile command runs (its relative paths resolve there); ""
  // for this process's working directory, which is never changed.
  std::string working_directory;
};

struct PatchSource {
  std::string source;
  std::vector<InstrumentedFunction> functions;  // in the manifest
  std::vector<SkippedFunction> skipped;         // not patchable (constructors, templates...)
  std::vector<CodeFingerprint> code;            // the edited file's code, piece by piece
};

llvm::Expected<PatchSource> make_patch_source(llvm::StringRef file,
                                              llvm::ArrayRef<std::string> compiler_command,
                                              const PatchOptions& options);

}  // namespace softpatch::rewriter

#endif  // SOFTPATCH_REWRITER_PATCHER_H
