// A method's replacement must take the object first.
#include <string>

#include "softpatch/mock.h"
struct Store {
  std::string get(const std::string& key) const;
};
void test() {
  auto guard = softpatch::mock<&Store::get>([](const std::string& key) { return key; });
}
