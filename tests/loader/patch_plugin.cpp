// plugin::twice() of tests/runtime/plugin.cpp (a library loaded with dlopen)
// now triples. The test gives the plugin's build id in SOFTPATCH_TEST_BUILD_ID.
#include "patch_template.h"

namespace plugin {
int twice(int x) { return 3 * x; }
}  // namespace plugin

static const softpatch::internal::PatchFunction functions[] = {
    {"_ZN6plugin5twiceEi", "int (int)", nullptr},
};

extern "C" const softpatch::internal::PatchManifest softpatch_manifest = {
    softpatch::internal::kManifestVersion,
    softpatch_test_build_id,
    "tests/runtime/plugin.cpp",
    functions,
    1,
    nullptr,
    0,
    0};
