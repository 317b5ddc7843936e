// A guard thrown away at once would end the mock at once: [[nodiscard]].
#include "softpatch/mock.h"
int charge(int cents);
void test() { softpatch::mock<&charge>([](int) { return 0; }); }
