// Instrumented definitions of constructs.h.
#include "constructs.h"

#include <stdexcept>

namespace constructs {

Money Money::operator+(const Money& other) const { return Money{cents + other.cents, {}}; }
bool Money::operator==(const Money& other) const { return cents == other.cents; }
long Money::operator[](int i) const { return cents * i; }
long Money::operator()(int times) const { return cents * times; }
Money::operator bool() const { return cents != 0; }
Money::operator long() const { return cents; }
std::string& Money::label() & { return name; }
std::string Money::label() && { return std::move(name); }
int Money::touch() volatile { return 1; }

int Base::kind() const { return 1; }
int Derived::kind() const { return 2; }

Doomed::Doomed(int c) : code(c) { throw std::runtime_error("doomed"); }

int guarded(int x) try {
  if (x < 0) throw std::runtime_error("negative");
  return x;
} catch (const std::exception&) {
  return -1;
}

int safe(int x) noexcept { return x; }

#define MAKE_FUNCTION(name, value) \
  int name() { return value; }
MAKE_FUNCTION(made_by_macro, 7)

int rvalue(std::string&& s) {
  std::string taken = std::move(s);
  return static_cast<int>(taken.size());
}

int counted() {
  static int calls = 0;
  return ++calls;
}

}  // namespace constructs

namespace constructs {
extern "C" int c_linkage(int x) { return x + 1; }
}  // namespace constructs
