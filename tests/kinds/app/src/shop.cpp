#include "shop.h"

int Basket::open = 0;
int Basket::closed = 0;
int Visit::visits = 0;

Basket::Basket(int items) : items_(items) { ++open; }

Basket::~Basket() { --open; }

Label::Label(std::string name, const std::unique_ptr<int> weight, std::string&& note, int,
             void (*)(int), const char prefix[], const int scale)
    : tag_{name}, weight_(*weight) {
  length_ = static_cast<int>(tag_.text.size()) * scale + static_cast<int>(note.size()) +
            (prefix[0] == 'p' ? 0 : 1000);
}

// Evaluated at compile time here, called at run time through a pointer.
constexpr int fee(int n) { return n + 1; }
static_assert(fee(1) > 0, "constant evaluation runs the body as written");

int (*fee_pointer())(int) { return &fee; }

#if __cplusplus >= 201703L
// A lambda evaluated at compile time (constexpr from C++17), in every patch
// of the file too.
constexpr int half(int n) {
  return [](int m) { return m / 2; }(n);
}
static_assert(half(4) == 2, "a lambda's constant evaluation runs its body as written");
#endif

std::function<int(int)> make_discount() {
  return [](int n) { return n / 2; };
}

std::function<int(int)> make_markup(int percent) {
  return [percent](int n) { return n * percent / 100; };
}

std::function<int(int)> Till::adder() {
  return [this, step = 2](int n) mutable { return total += n * step; };
}

int price(int n) {
  // A class local to a function: its destructor gets no slot, and patches
  // of the file go on.
  struct Rounded {
    int& value;
    ~Rounded() { value -= value % 1; }
  };
  int result = n * 2;
  { Rounded rounded{result}; }
  return result;
}
