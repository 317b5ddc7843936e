// answer() says 43 and add() is new code with the same meaning: for the
// stress test, which checks every result while patches come and go.
#include "patch_template.h"

int answer() { return 43; }
int add(int a, int b) { return b + a; }

static const softpatch::internal::PatchFunction functions[] = {
    {"_Z6answerv", "int ()", nullptr},
    {"_Z3addii", "int (int, int)", nullptr},
};
SOFTPATCH_TEST_MANIFEST(functions)
