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
//   * with PatchOptions::choose_compiled, the body of each function not named there
//     becomes a call to the program's own copy (an import the loader fills);
//   * the manifest (softpatch/internal/manifest.h) lists every function
//     with its id, signature and, where dlsym cannot find it, its entry;
//   * with PatchOptions::header, the patch is of a header that the file
//     includes: the header's functions are the patch's (its copy has no
//     trampolines in them), and the file's are not listed.
//
// Line numbers do not move, as in instrument mode.
#ifndef SOFTPATCH_REWRITER_PATCHER_H
#define SOFTPATCH_REWRITER_PATCHER_H

#include <functional>
#include <map>
#include <optional>
#include <set>
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
  // Precompile the file's preamble into the cache even when it has not been
  // seen before (softpatch warm).
  bool preamble_at_first_sight = false;
  // Where the compile command runs (its relative paths resolve there); ""
  // for this process's working directory, which is never changed.
  std::string working_directory;
  // Given the edited file's code (PatchSource::code), the ids of the
  // functions whose code the patch carries (those that changed, and new
  // ones); every other function with a slot calls the program's own copy
  // instead, where the loader can find it, so a patch compiles only what
  // changed. Unset, or returning nullopt: all of them (a whole-file patch).
  std::function<std::optional<std::set<std::string>>(const std::vector<CodeFingerprint>& code)>
      choose_compiled;
  // Under which directory the patch's copies of the project's headers go,
  // instrumented as the build's (InstrumentOptions::shadow_directory); ""
  // leaves them plain. Each set of copies gets a subdirectory named by its
  // text, so patches that copy a header differently, built at the same
  // time, never write over the copies another one compiles, and patches
  // that copy it alike share one (and the precompiled preamble naming it).
  std::string shadow_directory;
  // A patch of this project header (its path as the compile finds it), not
  // of the file: the file is only what includes it. The patch carries the
  // bodies of the header's functions as the header now has them (those
  // choose_compiled names, given the header's code), listed under the
  // header in the manifest, and compiles the file's own code only to share
  // its state; PatchSource::code is the header's. Needs shadow_directory.
  std::string header;
  // The symbols of header functions' slots (`__softpatch_header_slot_...`)
  // that the module of the file keeps hidden, as a project built with
  // -fvisibility=hidden does: the patch reaches each under the name
  // bound_header_slot_symbol() gives it, which the library of the module's
  // unexported symbols must define, rather than having a slot of its own.
  // Nothing when the module's symbols could not be read: then the patch
  // reaches every slot the file keeps hidden so (PatchSource::bound_slots),
  // never another module's slot of the same function.
  std::optional<std::set<std::string>> hidden_header_slots;
};

// The name under which a patch reaches the slot `symbol` of a header
// function that its module keeps hidden (PatchOptions::hidden_header_slots);
// nothing when `symbol` is not a header function's slot.
std::optional<std::string> bound_header_slot_symbol(llvm::StringRef symbol);

struct PatchSource {
  std::string source;
  std::vector<InstrumentedFunction> functions;  // in the manifest
  // Not patchable (constructors, templates...), and the headers' functions
  // that stay plain in the patch's copies, as in the build's (file set).
  std::vector<SkippedFunction> skipped;
  std::vector<CodeFingerprint> code;  // the edited file's code, piece by piece
  unsigned imported = 0;  // functions that call the program's own copy (choose_compiled)
  std::vector<ShadowHeader> headers;  // the copies `source` includes, to write first
  // The pieces of each project header whose functions the copies
  // instrument, by project file: a patch's calls of them run these bodies
  // where no patch of the header redirects them.
  std::map<std::string, std::vector<CodeFingerprint>> header_code;
  // The bound names (bound_header_slot_symbol) that `source` declares, with
  // the name of the function of each: what the library of the module's
  // unexported symbols must define for each that the patch calls.
  std::map<std::string, std::string> bound_slots;
  // Whether the file's command hides what it defines (-fvisibility=hidden):
  // its module may keep variables of its own that a patch must not copy.
  bool hidden_by_default = false;
};

llvm::Expected<PatchSource> make_patch_source(llvm::StringRef file,
                                              llvm::ArrayRef<std::string> compiler_command,
                                              const PatchOptions& options);

}  // namespace softpatch::rewriter

#endif  // SOFTPATCH_REWRITER_PATCHER_H
