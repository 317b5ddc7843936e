// softpatch/gmock.h: EXPECT_CALL on free and non-virtual functions, the
// original as an action, the listener that catches mocks left active.
#include "softpatch/gmock.h"

#include <gmock/gmock.h>
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <stdexcept>

#include "ledger.h"
#include "payment.h"

namespace {

using payment::Card;
using payment::Result;
using payment::Store;
using ::testing::_;
using ::testing::Return;

TEST(GMockBridge, ExpectCallOnAFreeFunction) {
  softpatch::GMock<&payment::charge> charge;
  EXPECT_CALL(charge, Call(_, 110)).WillOnce(Return(Result::kTimeout));
  EXPECT_EQ(payment::checkout({"4111"}, 100), "timeout");
}

TEST(GMockBridge, AnActionThatCallsTheOriginal) {
  softpatch::GMock<&payment::fee> fee;
  EXPECT_CALL(fee, Call(1000)).WillOnce(softpatch::CallOriginal<&payment::fee>());
  EXPECT_CALL(fee, Call(50)).WillOnce(Return(0));
  EXPECT_EQ(payment::fee(1000), 20);
  EXPECT_EQ(payment::fee(50), 0);
}

TEST(GMockBridge, NonVirtualMethodsGetTheObjectFirst) {
  Store store;
  softpatch::GMock<&Store::get> get;
  EXPECT_CALL(get, Call(&store, "k")).WillOnce(Return("mocked"));
  EXPECT_EQ(store.get("k"), "mocked");
}

TEST(GMockBridge, UnmetExpectationsFailWhenTheMockDies) {
  ::testing::TestPartResultArray failures;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
    softpatch::GMock<&payment::next_id> next;
    EXPECT_CALL(next, Call()).Times(1);
  }
  ASSERT_EQ(failures.size(), 1);
  EXPECT_THAT(failures.GetTestPartResult(0).message(),
              ::testing::HasSubstr("Actual: never called"));
  EXPECT_EQ(softpatch::active_mocks(), 0u);  // and the mock ended with it
}

TEST(GMockBridge, AConstructorsBodyRunsOnlyWhenTheActionSaysSo) {
  softpatch::GMockConstructor<ledger::Account(int, const std::string&)> made;
  EXPECT_CALL(made, Call(_, 5, "alice")).WillOnce(softpatch::RunBody());
  EXPECT_CALL(made, Call(_, 7, _)).Times(1);  // the default action: no body
  ledger::Account a(5, "alice");
  ledger::Account b(7, "bob");
  EXPECT_EQ(a.balance(), 5);
  EXPECT_EQ(b.balance(), 0);
  EXPECT_EQ(b.owner(), "bob") << "the member initialisers ran as built";
}

TEST(GMockBridge, ABodyAskedForByAnActionThatThenThrowsRunsForNoOtherObject) {
  softpatch::GMockConstructor<ledger::Account(int, const std::string&)> made;
  // Made at one address each time: a mark left for the first must not
  // reach the second.
  auto balance_of = [](int opening) { return ledger::Account(opening, "same place").balance(); };
  EXPECT_CALL(made, Call(_, 1, _))
      .WillOnce(
          ::testing::DoAll(softpatch::RunBody(), ::testing::Throw(std::runtime_error("refused"))));
  EXPECT_CALL(made, Call(_, 2, _)).Times(1);
  EXPECT_THROW(balance_of(1), std::runtime_error);
  EXPECT_EQ(balance_of(2), 0) << "the body ran for an object whose mock did not ask for it";
}

TEST(GMockBridge, AnObjectMadeInsideAnActionKeepsTheOuterBodysTurn) {
  softpatch::GMockConstructor<ledger::Account(int, const std::string&)> made;
  int inner_balance = -1;
  EXPECT_CALL(made, Call(_, 1, _))
      .WillOnce(::testing::DoAll(softpatch::RunBody(), ::testing::Invoke([&](auto&&...) {
                                   inner_balance = ledger::Account(3, "inner").balance();
                                 })));
  EXPECT_CALL(made, Call(_, 3, _)).WillOnce(softpatch::RunBody());
  ledger::Account outer(1, "outer");
  EXPECT_EQ(inner_balance, 3);
  EXPECT_EQ(outer.balance(), 1) << "the outer object's body ran too";
}

TEST(GMockBridge, ADestructorsCallsHaveTheObject) {
  int closed = ledger::Account::closed_total;
  {
    softpatch::GMockDestructor<ledger::Account> ended;
    ledger::Account kept(3, "kim");
    EXPECT_CALL(ended, Call(&kept)).WillOnce(softpatch::RunBody());
    EXPECT_CALL(ended, Call(::testing::Ne(&kept))).Times(1);
    { ledger::Account brief(4, "lee"); }
  }  // kept ends before its mock
  EXPECT_EQ(ledger::Account::closed_total, closed + 3);
}

TEST(MockListener, FailsATestThatLeavesAMockActive) {
  ::testing::TestPartResultArray failures;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
    [[maybe_unused]] static auto leaked = softpatch::mock<&payment::fee>([](int) { return 0; });
    softpatch::MockListener listener;
    listener.OnTestEnd(*::testing::UnitTest::GetInstance()->current_test_info());
  }
  ASSERT_EQ(failures.size(), 1);
  EXPECT_THAT(failures.GetTestPartResult(0).message(), ::testing::HasSubstr("left 1 mock active"));
  EXPECT_EQ(softpatch::active_mocks(), 0u);
  EXPECT_EQ(payment::fee(1000), 20);  // reset
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleMock(&argc, argv);
  softpatch::install_mock_listener();
  return RUN_ALL_TESTS();
}
