// Hand-written patches for the loader tests, in the shape the rewriter's
// patch mode emits: the new code plus a manifest. The build id is filled in
// by the test (it is only known once the test program is linked), through
// softpatch_test_build_id.
#include "softpatch/internal/patch.h"

extern "C" char softpatch_test_build_id[64];
char softpatch_test_build_id[64] = "";

#define SOFTPATCH_TEST_MANIFEST(functions)                                                       \
  extern "C" const softpatch::internal::PatchManifest softpatch_manifest = {                     \
      softpatch::internal::kManifestVersion, softpatch_test_build_id, "tests/loader/target.cpp", \
      functions, sizeof(functions) / sizeof(functions[0])};
