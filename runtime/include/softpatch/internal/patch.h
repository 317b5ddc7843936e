// Included first by every patch file that the rewriter's patch mode writes.
#ifndef SOFTPATCH_INTERNAL_PATCH_H
#define SOFTPATCH_INTERNAL_PATCH_H

#include "instrument.h"
#include "manifest.h"

// Reserved names for the manifest the rewriter appends, as in instrument.h.
typedef ::softpatch::internal::PatchFunction __softpatch_patch_function;
typedef ::softpatch::internal::PatchManifest __softpatch_patch_manifest;
enum : unsigned {
  __softpatch_manifest_version = ::softpatch::internal::kManifestVersion,
  __softpatch_manifest_whole_file = ::softpatch::internal::kWholeFile,
  __softpatch_manifest_header = ::softpatch::internal::kHeader,
  __softpatch_build_code = ::softpatch::internal::kBuildCode,
  __softpatch_nothrow = ::softpatch::internal::kNothrow
};
// Holds the entries of methods of internal classes; those classes befriend it.
struct __softpatch_access;

// The program's own copy of a function the patch calls but does not carry:
// the import the loader filled, or, while the patch is still loading (its
// initialisers run inside dlopen), the copy found by id.
inline __softpatch_raw_function __softpatch_import(const __softpatch_raw_function& filled,
                                                   const char* id) noexcept {
  if (__builtin_expect(filled != nullptr, 1)) return filled;
  return ::softpatch::internal::own_code(id);
}

// Keeps the code of a non-virtual member function `member` (a closure's
// call operator) in `cell`: a member pointer holds it first (Itanium ABI).
template <class Member>
inline bool __softpatch_note_code(__softpatch_raw_function& cell, Member member) noexcept {
  __builtin_memcpy(&cell, &member, sizeof cell);
  return true;
}

#endif  // SOFTPATCH_INTERNAL_PATCH_H
