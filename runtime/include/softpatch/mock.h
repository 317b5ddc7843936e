// softpatch/mock.h: replaces an instrumented function with a lambda for as
// long as a guard lives, for tests. Any instrumented function can be mocked:
// free, `static`, anonymous-namespace, member (const, virtual, non-virtual,
// `&`/`&&`), static member, private ones by name. A mock sets the function's
// slot, as a live patch does: no code page is written.
//
// Example:
//
//   #include <softpatch/mock.h>
//
//   TEST(Checkout, ReportsATimeout) {
//     auto charge = softpatch::mock<&payment::charge>(
//         [](const Card&, int) { return Result::kTimeout; });
//     auto fees = softpatch::spy<&payment::fee>();  // records, calls through
//     auto ids = softpatch::mock<&payment::next_id>().returns(1, 2, 3);
//
//     EXPECT_EQ(payment::checkout({"4111"}, 100), "timeout");  // calls charge() and fee()
//     ASSERT_EQ(fees.count(), 1u);
//     EXPECT_EQ(std::get<0>(fees.calls()[0]), 100);
//     EXPECT_EQ(payment::next_id(), 1);
//   }  // the guards end here: the real functions are back
//
// Calls from anywhere are replaced, inside the library's own file too. A
// replacement must be callable with the target's parameters (methods: the
// object first, by reference or by pointer) and return something that
// converts to the target's result (a reference, if the target returns one),
// or the build fails with one static_assert (ReplacementMustFitTheTarget,
// ReplacementMustReturnAReference). A target that was not instrumented
// throws MockError at once. An overload is named by its signature:
// mock<int(int), &payment::scale>.
//
// Guards are move-only, move-assignable and [[nodiscard]] (in
// EXPECT_THROW, write `(void)softpatch::mock<...>(...)`); MockOf<&f> and
// SpyOf<&f> name their types. Several mocks of one function nest, however
// each was made (mock<&f>, mock_by_name, spy, this_thread): the newest one
// in force answers. Guards may end in any order: each ends only its own
// mock, every other mock of the function stays in force, and nothing is
// reported; the function's own code is back when the last one ends.
// reset_mocks() ends them all.
//
// Mocks are process-wide (threads started by the code under test see them)
// unless made with softpatch::this_thread, and may be set and ended while
// other threads call the function. A replacement is kept alive until the
// process ends: a thread may still be running it when its guard ends.
//
// Constructors and destructors have no address to name: their bodies are
// mocked and spied on by class and parameters, with mock_constructor,
// spy_constructor, mock_destructor and spy_destructor.
//
// Templates are mocked one instantiation at a time: mock<&twice<int>>. A
// function with a slot in several modules (a header template's
// instantiation in a library and in the program) is mocked in all of them
// that are loaded when its first mock in force begins (up to four).
// Lambdas are not mocked on their own; their enclosing function is. What is
// not instrumented cannot be mocked (`softpatch-rewrite --explain FILE`
// says why a function is skipped).
// GoogleMock expectations: softpatch/gmock.h. Listeners that fail a test
// leaving a mock active: softpatch/gmock.h, softpatch/catch2.h,
// softpatch/doctest.h. The machinery is in softpatch/internal/mock_*.h.
#ifndef SOFTPATCH_MOCK_H
#define SOFTPATCH_MOCK_H

#include <cstddef>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "softpatch/internal/mock_chain.h"
#include "softpatch/internal/mock_factory.h"
#include "softpatch/registry.h"

namespace softpatch {

// Thrown when a target cannot be mocked: not instrumented, not found by
// name, ambiguous. The message says how to fix it.
class MockError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// Pass as the first argument of mock() to replace calls made by the calling
// thread only:
//   auto mine = softpatch::mock<&f>(softpatch::this_thread, [](int) { return 1; });
struct ThisThread {};
inline constexpr ThisThread this_thread{};

// Replaces `Target` (`&function`, `&Class::method`) while the returned
// guard lives.
//   auto g = softpatch::mock<&payment::charge>([](const Card&, int) { return Result::kOk; });
//   auto m = softpatch::mock<&Store::get>(
//       [](const Store& self, const std::string& key) { return std::string("x"); });
template <auto Target, class F>
auto mock(F&& replacement) {
  return mock_detail::make_mock<Target>(std::forward<F>(replacement), std::thread::id(), nullptr);
}

// The same, for calls from the calling thread only.
//   auto g = softpatch::mock<&payment::fee>(softpatch::this_thread, [](int) { return 0; });
template <auto Target, class F>
auto mock(ThisThread, F&& replacement) {
  return mock_detail::make_mock<Target>(std::forward<F>(replacement), std::this_thread::get_id(),
                                        nullptr);
}

// A method replaced for one object only; other objects run the original.
//   auto g = softpatch::mock<&Store::get>(
//       store, [](const Store&, const std::string&) { return std::string("x"); });
template <auto Target, class Object, class F,
          class = std::enable_if_t<std::is_member_function_pointer_v<decltype(Target)>>>
auto mock(Object& object, F&& replacement) {
  return mock_detail::make_mock<Target>(std::forward<F>(replacement), std::thread::id(),
                                        mock_detail::object_address<Target>(object));
}

// A mock that calls the original until given values with returns(). It
// returns exactly what the original returns (the same reference, the
// move-only value).
//   auto ids = softpatch::mock<&payment::next_id>().returns(1, 2, 3);
template <auto Target>
auto mock() {
  return mock_detail::FactoryOf<Target>::pass_through();
}

// An overloaded free function (or static member) named by its signature,
// for each of the above, spy() and call_original():
//   auto g = softpatch::mock<int(int), &payment::scale>([](int) { return 7; });
//   auto s = softpatch::spy<double(double), &payment::scale>();
// (An overloaded method is named with a cast,
// static_cast<int (Store::*)(int) const>(&Store::find).)
template <class Signature, mock_detail::PointerTo<Signature> Target, class F>
auto mock(F&& replacement) {
  return mock<Target>(std::forward<F>(replacement));
}
template <class Signature, mock_detail::PointerTo<Signature> Target, class F>
auto mock(ThisThread thread, F&& replacement) {
  return mock<Target>(thread, std::forward<F>(replacement));
}
template <class Signature, mock_detail::PointerTo<Signature> Target>
auto mock() {
  return mock<Target>();
}

// Replaces the function called `name` in the registry (free, static,
// anonymous-namespace, private methods: anything instrumented), as
// `softpatch list` shows it (a unique suffix is enough). Signature is the
// slot's type: methods take the object pointer first. It is checked
// against the registry's, and a MockError names the result or parameter
// that differs. A method's replacement may take the object by reference
// instead.
//   auto g = softpatch::mock_by_name<int(const Store*, int)>(
//       "payment::Store::secret", [](const Store*, int x) { return -x; });
template <class Signature, class F>
auto mock_by_name(const std::string& name, F&& replacement) {
  return mock_detail::ByName<Signature>::make(name, std::forward<F>(replacement));
}

// Records every call (arguments copied at call time, C strings as
// std::string) and calls through to what would run without it: an outer
// mock, or the original. A target with a move-only parameter cannot be
// spied on (the build says so).
//   auto charges = softpatch::spy<&payment::charge>();
//   ...
//   EXPECT_EQ(std::get<1>(charges.calls()[0]), 110);
template <auto Target>
auto spy() {
  return mock_detail::FactoryOf<Target>::spy();
}
template <class Signature, mock_detail::PointerTo<Signature> Target>
auto spy() {
  return spy<Target>();
}

// Runs the function's own code once, past every mock of it (a live patch's,
// when the program has one; else the build's): for replacements that wrap
// the original (methods: the object first, by reference or by pointer).
//   auto g = softpatch::mock<&payment::fee>(
//       [](int cents) { return 1 + softpatch::call_original<&payment::fee>(cents); });
//   softpatch::call_original<&Store::get>(store, key);
template <auto Target, class... A>
decltype(auto) call_original(A&&... arguments) {
  return mock_detail::call_original<Target>(std::forward<A>(arguments)...);
}
template <class Signature, mock_detail::PointerTo<Signature> Target, class... A>
decltype(auto) call_original(A&&... arguments) {
  return mock_detail::call_original<Target>(std::forward<A>(arguments)...);
}

// Replaces the body of the constructor of Class taking Parameters (what runs
// after its member initialisers, which run as built) while the guard lives.
// The replacement takes the object (by reference, or its pointer), then the
// parameters, by-value ones by reference as the body sees them:
//   auto made = softpatch::mock_constructor<Widget(int, const std::string&)>(
//       [](Widget& self, int& size, const std::string& label) { self.rename(label); });
// A constructor that is not instrumented, or none of Class that takes
// Parameters, throws MockError naming the ones that are. Objects made before
// keep what their constructor made.
template <class Signature, class F>
auto mock_constructor(F&& replacement) {
  return mock_detail::Body<Signature, false>::mock(std::forward<F>(replacement));
}
// The same, for objects the calling thread makes only.
//   auto mine = softpatch::mock_constructor<Widget(int)>(softpatch::this_thread, ...);
template <class Signature, class F>
auto mock_constructor(ThisThread, F&& replacement) {
  return mock_detail::Body<Signature, false>::mock(std::forward<F>(replacement),
                                                   std::this_thread::get_id());
}

// Records each run of that constructor's body (the object's pointer, then
// copies of the arguments), which then runs as built (or as an outer mock
// says). Copies a spy makes to record are not recorded.
//   auto made = softpatch::spy_constructor<Widget(int, const std::string&)>();
//   Widget w(3);
//   EXPECT_EQ(made.count(), 1u);
//   EXPECT_EQ(std::get<1>(made.calls()[0]), 3);
template <class Signature>
auto spy_constructor() {
  return mock_detail::Body<Signature, false>::spy();
}

// The same for the destructor's body (the members are destroyed after it,
// as built):
//   auto ended = softpatch::spy_destructor<Widget>();
//   auto quiet = softpatch::mock_destructor<Widget>([](Widget&) {});
template <class Class, class F>
auto mock_destructor(F&& replacement) {
  return mock_detail::Body<Class(), true>::mock(std::forward<F>(replacement));
}
template <class Class, class F>
auto mock_destructor(ThisThread, F&& replacement) {
  return mock_detail::Body<Class(), true>::mock(std::forward<F>(replacement),
                                                std::this_thread::get_id());
}
template <class Class>
auto spy_destructor() {
  return mock_detail::Body<Class(), true>::spy();
}

// Ends every mock still active; their guards then do nothing. For test
// listeners (softpatch/gmock.h installs one).
void reset_mocks();

// How many mocks are active.
std::size_t active_mocks();

// The guard of one mock, made by mock() and mock_by_name(): the mock ends
// when it is destroyed, or when another guard is moved into it. Move-only.
// R and P are the slot's result and parameters (methods: the object
// pointer first): MockOf<&f> names the type for a target, and
// Mock<int, const Store*, int> is the guard of mock_by_name<int(const Store*, int)>.
// To keep one beyond a scope, or swap it for another:
//   std::optional<softpatch::MockOf<&payment::fee>> fee;
//   fee = softpatch::mock<&payment::fee>([](int) { return 1; });
//   fee = softpatch::mock<&payment::fee>([](int) { return 2; });  // the first one ends
//   fee.reset();                                                   // and this one
template <class R, class... P>
class [[nodiscard]] Mock {
 public:
  using Handler = mock_detail::Handler<R, P...>;
  using State = mock_detail::SlotState<R, P...>;

  // Made by mock() and mock_by_name(); not called directly.
  Mock(State& state, std::function<R(P...)> replacement, std::thread::id thread,
       const volatile void* object)
      : state_(&state),
        handler_(mock_detail::link(state, std::move(replacement), thread, object)),
        id_(mock_detail::register_guard(
            [chain = state_, handler = handler_] { mock_detail::unlink(*chain, handler); })) {}
  Mock(Mock&& other) noexcept
      : state_(std::exchange(other.state_, nullptr)),
        handler_(std::exchange(other.handler_, nullptr)),
        id_(other.id_) {}
  // Ends this guard's mock and takes over `other`'s.
  Mock& operator=(Mock&& other) noexcept {
    if (this != &other) {
      finish();
      state_ = std::exchange(other.state_, nullptr);
      handler_ = std::exchange(other.handler_, nullptr);
      id_ = other.id_;
    }
    return *this;
  }
  Mock(const Mock&) = delete;
  Mock& operator=(const Mock&) = delete;
  ~Mock() { finish(); }

  // From now on, answers these values in turn (the last one repeats), with
  // this mock's conditions (thread, object); on a temporary only:
  //   auto ids = softpatch::mock<&payment::next_id>().returns(1, 2, 3);
  // For a reference result, the answers are references to the mock's own
  // copies of the values.
  template <class... V>
  Mock returns(V&&... values) && {
    static_assert(sizeof...(V) > 0, "returns() needs at least one value");
    return mock_detail::GuardAccess::answer_in_turn(*this, std::forward<V>(values)...);
  }

 private:
  friend struct mock_detail::GuardAccess;

  void finish() {
    if (state_ && mock_detail::unregister_guard(id_)) mock_detail::unlink(*state_, handler_);
    state_ = nullptr;
  }

  State* state_ = nullptr;
  Handler* handler_ = nullptr;
  std::size_t id_ = 0;
};

// The guard of a spy, made by spy(): records calls until it is destroyed
// or another spy is moved into it. Move-only; SpyOf<&f> names the type.
template <class R, class... P>
class [[nodiscard]] Spy {
 public:
  // One call's arguments: copies, C strings as std::string (a null one as
  // ""), methods' object as its pointer first.
  using Call = std::tuple<mock_detail::Recorded<P>...>;

  // Made by spy(); not called directly.
  explicit Spy(mock_detail::SlotState<R, P...>& state)
      : record_(std::make_shared<mock_detail::CallRecord<Call>>()),
        guard_(mock_detail::recording_guard(state, record_)) {}

  // How many calls so far.
  std::size_t count() const { return record_->count(); }
  // The arguments of every call so far, oldest first:
  //   std::get<0>(spy.calls()[0])
  std::vector<Call> calls() const { return record_->calls(); }
  // Forgets the calls so far.
  void clear() { record_->clear(); }

 private:
  std::shared_ptr<mock_detail::CallRecord<Call>> record_;
  std::unique_ptr<Mock<R, P...>> guard_;
};

// The guard types of a target's mocks and spies, to declare one before it
// is made (a member of a fixture, a std::optional):
//   softpatch::MockOf<&payment::fee> fee = softpatch::mock<&payment::fee>(...);
//   std::optional<softpatch::SpyOf<&payment::charge>> charges;
template <auto Target>
using MockOf = typename mock_detail::FactoryOf<Target>::Guard;
template <auto Target>
using SpyOf = typename mock_detail::FactoryOf<Target>::SpyGuard;

}  // namespace softpatch

#endif  // SOFTPATCH_MOCK_H
