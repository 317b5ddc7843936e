// answer() now says 42; the file-local hidden() multiplies by 100.
#include "patch_template.h"

int answer() { return 42; }

namespace {
int hidden(int x) { return x * 100; }
__softpatch_raw_function hidden_entry() {
  return reinterpret_cast<__softpatch_raw_function>(&hidden);
}
}  // namespace

static const softpatch::internal::PatchFunction functions[] = {
    {"_Z6answerv", "int ()", nullptr},
    {"tests/loader/target.cpp:_ZN12_GLOBAL__N_16hiddenEi", "int (int)", &hidden_entry},
    {"_Z9new_helperv", "int ()", nullptr},  // added by the patch: no slot
};
SOFTPATCH_TEST_MANIFEST(functions)

int new_helper() { return 1; }
