// A replacement whose parameter the target's arguments do not convert to.
#include "softpatch/mock.h"
int charge(int cents);
void test() {
  auto guard = softpatch::mock<&charge>([](const char* text) { return 0; });
}
