// mock_constructor checks the replacement against the body's parameters:
// the object, then the constructor's (by-value ones by reference).
#include <string>

#include "softpatch/mock.h"
struct Account {
  Account(int opening, const std::string& owner);
};
void test() {
  auto guard = softpatch::mock_constructor<Account(int, const std::string&)>(
      [](Account&, const char* owner) {});
}
