// GoogleMock for functions GoogleMock cannot mock: free, `static`,
// non-virtual member functions. A softpatch::GMock<&f> is a
// testing::MockFunction whose calls come from f while it lives:
//
//   #include <softpatch/gmock.h>
//   softpatch::GMock<&payment::charge> charge;
//   EXPECT_CALL(charge, Call(_, 100)).WillOnce(Return(Result::kTimeout));
//   EXPECT_CALL(charge, Call(_, 5)).WillOnce(softpatch::CallOriginal<&payment::charge>());
//
// Constructors' and destructors' bodies, by class (their calls have the
// object pointer first, then the parameters, by-value ones by const
// reference; the body runs only when the action is RunBody()):
//
//   softpatch::GMockConstructor<ledger::Account(int, const std::string&)> made;
//   EXPECT_CALL(made, Call(_, 5, "alice")).WillOnce(softpatch::RunBody());
//   softpatch::GMockDestructor<ledger::Account> ended;
//
// Methods' calls have the object pointer first, Call(&store, "key"): a
// matcher on the pointer picks the object by identity, where one on a
// reference would compare values. An overload is named with a cast,
// GMock<static_cast<int (*)(int)>(&payment::scale)>. Expectations are
// verified when it is destroyed (GoogleMock's own check), and the mock ends
// with it. Not movable (a testing::MockFunction is not).
//
// softpatch::MockListener (installed with install_mock_listener() in main,
// or with softpatch::gmock_main) fails a test that leaves a mock active and
// resets mocks between tests.
#ifndef SOFTPATCH_GMOCK_H
#define SOFTPATCH_GMOCK_H

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <type_traits>

#include "softpatch/internal/mock_listener.h"
#include "softpatch/mock.h"

namespace softpatch {
namespace mock_detail {

template <auto Target, class R, class... P>
class GMockOf : public ::testing::MockFunction<R(P...)> {
 public:
  GMockOf()
      : guard_(
            Static<Target, R, P...>::prepared(target_name(pretty_name<Target>())),
            [this](P... p) -> R { return this->Call(std::forward<P>(p)...); }, std::thread::id(),
            nullptr) {}

 private:
  Mock<R, P...> guard_;
};

// How a GMockConstructor's Call takes a parameter declared T: by-value ones
// as const references, which matchers of values fit (Call(_, 5, "alice")).
template <class T>
using ExpectedParameter = std::conditional_t<kBodyTakesAsDeclared<T>, T, const T&>;

template <class Signature, bool Destructor>
class GMockBodyOf;
template <class C, class... A, bool Destructor>
class GMockBodyOf<C(A...), Destructor>
    : public ::testing::MockFunction<void(C*, ExpectedParameter<A>...)> {
 public:
  GMockBodyOf()
      : guard_(Body<C(A...), Destructor>::mock([this](C* self, BodyParameter<A>... a) {
          this->Call(self, std::forward<BodyParameter<A>>(a)...);
        })) {}

 private:
  Mock<void, C*, BodyParameter<A>...> guard_;
};

}  // namespace mock_detail

// The body of Class's constructor taking Parameters, as a
// testing::MockFunction (Signature is Class(Parameters...)).
template <class Signature>
class GMockConstructor : public mock_detail::GMockBodyOf<Signature, false> {};

// The body of Class's destructor.
template <class Class>
class GMockDestructor : public mock_detail::GMockBodyOf<Class(), true> {};

// An action for GMockConstructor and GMockDestructor: the body runs as
// built once the mock returns (it cannot run alone, inside the action).
inline auto RunBody() {
  return [](auto* self, auto&&...) { internal::resume_body_once(self); };
}

template <auto Target>
class GMock
    : public mock_detail::TargetTraits<Target>::template Bind<Target, mock_detail::GMockOf> {};

// An action that runs the mocked function's own code.
template <auto Target>
auto CallOriginal() {
  return [](auto&&... arguments) -> decltype(auto) {
    using Factory = mock_detail::FactoryOf<Target>;
    return mock_detail::call_own_code(Factory::state(),
                                      std::forward<decltype(arguments)>(arguments)...);
  };
}

// Fails a test that ends with a mock still active (a guard kept beyond the
// test), then resets all mocks, so that one test's mocks never reach the next.
class MockListener : public ::testing::EmptyTestEventListener {
 public:
  void OnTestEnd(const ::testing::TestInfo& test) override {
    std::string failure =
        mock_detail::end_of_test(std::string(test.test_suite_name()) + "." + test.name());
    if (!failure.empty()) ADD_FAILURE() << failure;
  }
};

// Adds MockListener ahead of the result printer, so that its failure shows
// in the test's own result line.
inline void install_mock_listener() {
  ::testing::TestEventListeners& listeners = ::testing::UnitTest::GetInstance()->listeners();
  ::testing::TestEventListener* printer = listeners.Release(listeners.default_result_printer());
  listeners.Append(new MockListener);
  if (printer) listeners.Append(printer);
}

}  // namespace softpatch

#endif  // SOFTPATCH_GMOCK_H
