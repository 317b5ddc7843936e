// The manifest a patch carries: which functions of the running program it
// replaces, with what, and which program it was built for. Emitted by the
// rewriter's patch mode as the extern "C" symbol `softpatch_manifest`; read
// and checked by the loader before anything is switched.
#ifndef SOFTPATCH_INTERNAL_MANIFEST_H
#define SOFTPATCH_INTERNAL_MANIFEST_H

#include "slot.h"

namespace softpatch {
namespace internal {

enum : unsigned { kManifestVersion = 7 };

// Bits of PatchManifest::flags.
enum ManifestFlags : unsigned {
  // The patch is the whole file (what the rewriter makes): a function of the
  // running file that it does not define has been removed. Without it, a
  // patch replaces only the functions it lists.
  kWholeFile = 1u << 0,
  // The patch is of a project header (`project_file`): the functions it
  // lists are the header's, which every file that includes it registers (in
  // a unit of the header's), and it lists only those whose bodies it
  // carries; the rest of the header is as the build's (the fingerprints say
  // so).
  kHeader = 1u << 1,
};

// One function of the patched file.
struct PatchFunction {
  const char* id;         // as in FunctionRecord::id
  const char* signature;  // as in FunctionRecord::signature
  // The new code, for functions the loader cannot find by symbol (internal
  // linkage); null means: look `id` up in the patch (dlsym).
  RawFunction (*entry)();
  // Non-null for a function whose code the patch does not carry (a patch of
  // the functions that changed): the patch calls the program's own copy
  // through it, which the loader writes here (found by symbol in the
  // program, or through the build's table), and the function's slot goes
  // back to the build's code.
  RawFunction* import;
  unsigned flags;  // PatchFunctionFlags
};

// Bits of PatchFunction::flags.
enum PatchFunctionFlags : unsigned {
  // The patch carries no code for it (entry and import are null) and its
  // slot goes back to the build's code: an instantiation of a template
  // that the edit leaves as the build has it.
  kBuildCode = 1u << 0,
  // Its new code cannot throw (noexcept): a function whose build's code is
  // noexcept must keep it, since its callers were compiled for that.
  kNothrow = 1u << 1,
};

struct PatchManifest {
  unsigned version;          // kManifestVersion
  const char* build_id;      // GNU build id (hex) of the module the file was built into
  const char* project_file;  // the patched file, relative to the project root
  const PatchFunction* functions;
  decltype(sizeof 0) function_count;
  const LayoutRecord* layouts;  // as the edited file sees its classes
  decltype(sizeof 0) layout_count;
  unsigned flags;  // ManifestFlags
  // The edited file's code, piece by piece: what runs once it applies.
  const FingerprintRecord* fingerprints;
  decltype(sizeof 0) fingerprint_count;
};

}  // namespace internal
}  // namespace softpatch

namespace softpatch {
namespace internal {

// The program's own code of function `id` (what softpatch::Function::address
// finds), or null. A patch's import is filled by the loader before its
// switch; code that runs while the patch loads (an initialiser calling a
// function the patch does not carry) finds the function with this instead.
RawFunction own_code(const char* id) noexcept;

}  // namespace internal
}  // namespace softpatch

// The symbol the loader looks for in a patch.
#define SOFTPATCH_MANIFEST_SYMBOL "softpatch_manifest"

#endif  // SOFTPATCH_INTERNAL_MANIFEST_H
