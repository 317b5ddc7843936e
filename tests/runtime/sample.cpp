// An instrumented file with one of each kind of function the registry tests
// look up. Line numbers matter: kAdd2Line names add2's.
#include "sample.h"

#include <stdexcept>

namespace sample {

const int kAdd2Line = __LINE__ + 1;
int add2(int a) { return a + 2; }

double scale(double x, int factor) { return x * factor; }

int overloaded(int x) { return x; }
int overloaded(const std::string& s) { return static_cast<int>(s.size()); }

namespace {
int hidden(int x) { return x * 3; }
int hidden_counter = 0;
}  // namespace

static thread_local int thread_counter = 0;
static int counter = 0;

int call_hidden(int x) {
  ++hidden_counter;
  return hidden(x);
}
int* hidden_counter_address() { return &hidden_counter; }
int* thread_counter_address() { return &thread_counter; }

std::unique_ptr<int> take(std::unique_ptr<int> p) {
  *p += 1;
  return p;
}

int& counter_ref() { return counter; }

void fail(const char* why) { throw std::runtime_error(why); }

int Counter::add(int by) { return value_ += by; }
int Counter::get() const { return value_; }
int Counter::twice(int x) { return 2 * x; }
int Counter::kind() const { return 1; }
int Counter::reveal() const { return secret(); }
int Counter::secret() const { return 42; }

// Runs during static initialisation, before this file's registration: the
// trampoline must already work then.
int value_seen_before_main = add2(40);

}  // namespace sample
