// A patch whose manifest is corrupted, as it is opened, in the way
// SOFTPATCH_TEST_CORRUPTION names: "file" (its file name points into the
// program), "count" (more functions than the array holds), "entry" (an
// entry function outside the patch). answer() alone would be a fine patch.
#include "patch_template.h"

int answer() { return 7; }

static softpatch::internal::PatchFunction functions[] = {
    {"_Z6answerv", "int ()", nullptr},
};

extern "C" softpatch::internal::PatchManifest softpatch_manifest = {
    softpatch::internal::kManifestVersion,
    softpatch_test_build_id,
    "tests/loader/target.cpp",
    functions,
    1,
    nullptr,
    0,
    0};

using Entry = softpatch::internal::RawFunction (*)();

static const bool corrupted = [] {
  std::string how =
      std::getenv("SOFTPATCH_TEST_CORRUPTION") ? std::getenv("SOFTPATCH_TEST_CORRUPTION") : "";
  if (how == "file")
    softpatch_manifest.project_file = reinterpret_cast<const char*>(&softpatch_test_program_marker);
  if (how == "count") softpatch_manifest.function_count = 1u << 30;
  if (how == "entry")
    functions[0].entry = reinterpret_cast<Entry>(reinterpret_cast<void*>(&std::getenv));
  return true;
}();
