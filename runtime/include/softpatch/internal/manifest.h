// The manifest a patch carries: which functions of the running program it
// replaces, with what, and which program it was built for. Emitted by the
// rewriter's patch mode as the extern "C" symbol `softpatch_manifest`; read
// and checked by the loader before anything is switched.
#ifndef SOFTPATCH_INTERNAL_MANIFEST_H
#define SOFTPATCH_INTERNAL_MANIFEST_H

#include "slot.h"

namespace softpatch {
namespace internal {

enum : unsigned { kManifestVersion = 4 };

// Bits of PatchManifest::flags.
enum ManifestFlags : unsigned {
  // The patch is the whole file (what the rewriter makes): a function of the
  // running file that it does not define has been removed. Without it, a
  // patch replaces only the functions it lists.
  kWholeFile = 1u << 0,
};

// One function of the patched file.
struct PatchFunction {
  const char* id;         // as in FunctionRecord::id
  const char* signature;  // as in FunctionRecord::signature
  // The new code, for functions the loader cannot find by symbol (internal
  // linkage); null means: look `id` up in the patch (dlsym).
  RawFunction (*entry)();
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

// The symbol the loader looks for in a patch.
#define SOFTPATCH_MANIFEST_SYMBOL "softpatch_manifest"

#endif  // SOFTPATCH_INTERNAL_MANIFEST_H
