// GoogleMock for functions GoogleMock cannot mock: free, `static`,
// non-virtual member functions. A softpatch::GMock<&f> is a
// testing::MockFunction whose calls come from f while it lives:
//
//   #include <softpatch/gmock.h>
//   softpatch::GMock<&payment::charge> charge;
//   EXPECT_CALL(charge, Call(_, 100)).WillOnce(Return(Result::kTimeout));
//   EXPECT_CALL(charge, Call(_, 5)).WillOnce(softpatch::CallOriginal<&payment::charge>());
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

}  // namespace mock_detail

template <auto Target>
class GMock
    : public mock_detail::TargetTraits<Target>::template Bind<Target, mock_detail::GMockOf> {};

// An action that runs the mocked function's own code.
template <auto Target>
auto CallOriginal() {
  return [](auto&&... arguments) -> decltype(auto) {
    using Factory = mock_detail::FactoryOf<Target>;
    return Factory::state().original(std::forward<decltype(arguments)>(arguments)...);
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
