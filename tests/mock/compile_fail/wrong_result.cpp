// A replacement whose result does not convert to the target's.
#include <string>

#include "softpatch/mock.h"
int charge(int cents);
void test() {
  auto guard = softpatch::mock<&charge>([](int) { return std::string("no"); });
}
