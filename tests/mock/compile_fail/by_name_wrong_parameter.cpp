// mock_by_name checks the replacement against the signature it is given.
#include "softpatch/mock.h"
void test() {
  auto guard = softpatch::mock_by_name<int(int)>("charge", [](const char* text) { return 0; });
}
