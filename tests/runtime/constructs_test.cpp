// Every kind of function the rewriter instruments can be redirected through
// its slot, and called with the object first when it is a method.
#include <gtest/gtest.h>

#include <stdexcept>

#include "constructs.h"
#include "softpatch/internal/variables.h"
#include "softpatch/registry.h"

namespace {

using constructs::Money;
using softpatch::internal::RawFunction;

// Points the slot of `name` at `replacement` while alive.
class Redirect {
 public:
  template <class F>
  Redirect(const char* name, F* replacement) {
    softpatch::Result<softpatch::Function> f = softpatch::find_function(name);
    if (!f) {
      ADD_FAILURE() << f.error();
      return;
    }
    slot_ = &f->slot();
    previous_ = slot_->exchange(reinterpret_cast<RawFunction>(replacement));
  }
  ~Redirect() {
    if (slot_) slot_->exchange(previous_);
  }

 private:
  softpatch::internal::Slot* slot_ = nullptr;
  RawFunction previous_ = nullptr;
};

Money plus_one(const Money* self, const Money&) { return Money{self->cents + 1, {}}; }
bool always_equal(const Money*, const Money&) { return true; }
long index_zero(const Money*, int) { return 0; }
long call_negative(const Money*, int times) { return -times; }
bool never_true(const Money*) { return false; }
long as_hundred(const Money*) { return 100; }
std::string& other_label(Money* self) {
  static std::string other = "other";
  (void)self;
  return other;
}
std::string moved_label(Money*) { return "moved"; }
int touch_twice(volatile Money*) { return 2; }

TEST(Constructs, OperatorsAndConversions) {
  Money a{5, {}}, b{7, {}};
  Redirect plus("Money::operator+", &plus_one);
  Redirect eq("Money::operator==", &always_equal);
  Redirect index("Money::operator[]", &index_zero);
  Redirect call("Money::operator()", &call_negative);
  Redirect to_bool("Money::operator bool", &never_true);
  Redirect to_long("Money::operator long", &as_hundred);
  EXPECT_EQ((a + b).cents, 6);
  EXPECT_TRUE(a == b);
  EXPECT_EQ(a[3], 0);
  EXPECT_EQ(a(4), -4);
  EXPECT_FALSE(static_cast<bool>(a));
  EXPECT_EQ(static_cast<long>(a), 100);
}

TEST(Constructs, RefQualifiedAndVolatileMethods) {
  Money m{1, "mine"};
  Redirect lvalue("constructs::Money::label() &", &other_label);
  Redirect rvalue("constructs::Money::label() &&", &moved_label);
  Redirect touch("Money::touch", &touch_twice);
  EXPECT_EQ(m.label(), "other");
  EXPECT_EQ((Money{1, "mine"}.label()), "moved");
  volatile Money v{1, {}};
  EXPECT_EQ(v.touch(), 2);
}

int kind_three(const constructs::Base*) { return 3; }

TEST(Constructs, VirtualOverrideThroughBasePointer) {
  constructs::Derived d;
  const constructs::Base& base = d;
  Redirect r("Derived::kind", &kind_three);
  EXPECT_EQ(base.kind(), 3);
  EXPECT_EQ(constructs::Base().kind(), 1);  // the base's own slot is untouched
}

int throws(int) { throw std::logic_error("from the replacement"); }

TEST(Constructs, FunctionTryBlockDoesNotCatchTheReplacement) {
  EXPECT_EQ(constructs::guarded(-1), -1);
  Redirect r("guarded", &throws);
  EXPECT_THROW(constructs::guarded(1), std::logic_error);
}

[[noreturn]] void doomed_otherwise(constructs::Doomed*, int) {
  throw std::out_of_range("from the replacement");
}

TEST(Constructs, ANoreturnConstructorRunsItsReplacement) {
  EXPECT_THROW(constructs::Doomed{1}, std::runtime_error);
  Redirect r("constructs::Doomed::Doomed(int)", &doomed_otherwise);
  EXPECT_THROW(constructs::Doomed{1}, std::out_of_range);
}

int forty_two() { return 42; }
int doubled(int x) noexcept { return 2 * x; }
int length_plus_one(std::string&& s) { return static_cast<int>(s.size()) + 1; }
int c_times_ten(int x) { return 10 * x; }

TEST(Constructs, MacroMadeNoexceptRvalueAndExternC) {
  Redirect macro("made_by_macro", &forty_two);
  Redirect no_throw("safe", &doubled);
  Redirect moved("rvalue", &length_plus_one);
  Redirect c("c_linkage", &c_times_ten);
  EXPECT_EQ(constructs::made_by_macro(), 42);
  EXPECT_EQ(constructs::safe(4), 8);
  EXPECT_EQ(constructs::rvalue(std::string("abc")), 4);
  EXPECT_EQ(constructs::c_linkage(3), 30);
}

TEST(Constructs, FunctionLocalStaticIsSharedThroughTheStore) {
  EXPECT_EQ(constructs::counted(), 1);
  EXPECT_EQ(constructs::counted(), 2);
  // What a patch of counted() would do: bind to the same variable by id.
  softpatch::Result<softpatch::Function> f = softpatch::find_function("counted");
  ASSERT_TRUE(f) << f.error();
  int& calls = __softpatch_bind(f->id(), "calls", []() {
    static int never = 1000;
    return &never;
  });
  EXPECT_EQ(calls, 2);
  calls = 10;
  EXPECT_EQ(constructs::counted(), 11);
}

}  // namespace
