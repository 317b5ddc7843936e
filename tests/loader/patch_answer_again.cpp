// answer() now says 43.
#include "patch_template.h"

int answer() { return 43; }

static const softpatch::internal::PatchFunction functions[] = {{"_Z6answerv", "int ()", nullptr}};
SOFTPATCH_TEST_MANIFEST(functions)
