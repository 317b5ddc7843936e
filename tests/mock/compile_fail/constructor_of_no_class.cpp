// mock_constructor names a class and the constructor's parameters.
#include "softpatch/mock.h"
void test() {
  auto guard = softpatch::mock_constructor<int(int)>([](int*, int&) {});
}
