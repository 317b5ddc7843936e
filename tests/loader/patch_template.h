// Hand-written patches for the loader tests, in the shape the rewriter's
// patch mode emits: the new code plus a manifest. The build id is only known
// once the test program is linked, so each patch takes it, as it is loaded,
// from the program (or, to play a patch for another binary, from
// SOFTPATCH_TEST_BUILD_ID).
#include <cstdlib>
#include <cstring>
#include <string>

#include "softpatch/internal/patch.h"
#include "softpatch/loader.h"

extern "C" int softpatch_test_program_marker;  // defined in loader_test.cpp

static char softpatch_test_build_id[64] = "";
static const bool softpatch_test_build_id_set = [] {
  const char* fake = std::getenv("SOFTPATCH_TEST_BUILD_ID");
  std::string id = fake ? fake : softpatch::module_build_id(&softpatch_test_program_marker);
  std::strncpy(softpatch_test_build_id, id.c_str(), sizeof softpatch_test_build_id - 1);
  return true;
}();

#define SOFTPATCH_TEST_MANIFEST(functions)                                   \
  extern "C" const softpatch::internal::PatchManifest softpatch_manifest = { \
      softpatch::internal::kManifestVersion,                                 \
      softpatch_test_build_id,                                               \
      "tests/loader/target.cpp",                                             \
      functions,                                                             \
      sizeof(functions) / sizeof(functions[0]),                              \
      nullptr,                                                               \
      0,                                                                     \
      0};
