// Changes answer() (fine) and add() (its signature changed): all refused.
#include "patch_template.h"

int answer() { return 99; }
long add(long a, long b) { return a + b; }

static const softpatch::internal::PatchFunction functions[] = {
    {"_Z6answerv", "int ()", nullptr},
    {"_Z3addii", "long (long, long)", nullptr},
};
SOFTPATCH_TEST_MANIFEST(functions)
