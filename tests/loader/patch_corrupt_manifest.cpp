// A patch whose manifest is corrupted, as it is opened, in the way
// SOFTPATCH_TEST_CORRUPTION names: "file" (its file name points into the
// program), "count" (more functions than any file has), "entry" (an entry
// function outside the patch), "data-entry" (an entry in the patch's data),
// "twice" (a function listed twice), "flags" (a flag no loader knows),
// "build-code-entry" (the build's code and an entry at once); and
// "build-code", not corrupt: answer()'s slot back to the build's code.
// answer() alone would be a fine patch.
#include "patch_template.h"

int answer() { return 7; }

static softpatch::internal::PatchFunction functions[] = {
    {"_Z6answerv", "int ()", nullptr},
    {"_Z6answerv", "int ()", nullptr},  // counted only for "twice"
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
  if (how == "data-entry") functions[0].entry = reinterpret_cast<Entry>(&functions[1]);
  if (how == "twice") softpatch_manifest.function_count = 2;
  if (how == "flags") functions[0].flags = 1u << 7;
  if (how == "build-code-entry") {
    functions[0].flags = softpatch::internal::kBuildCode;
    functions[0].entry =
        +[] { return reinterpret_cast<softpatch::internal::RawFunction>(&answer); };
  }
  if (how == "build-code") functions[0].flags = softpatch::internal::kBuildCode;
  return true;
}();
