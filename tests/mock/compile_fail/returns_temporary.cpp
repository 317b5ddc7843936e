// A target that returns a reference cannot be given a value: the caller
// would read a destroyed temporary.
#include <string>

#include "softpatch/mock.h"
struct Warehouse {
  const std::string& site() const;
};
void test() {
  auto guard = softpatch::mock<&Warehouse::site>([](const Warehouse&) { return std::string("x"); });
}
