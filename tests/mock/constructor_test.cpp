// Mocks and spies of constructors' and destructors' bodies (ledger.cpp):
// named by class and parameters, since a constructor has no address.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "ledger.h"
#include "softpatch/mock.h"

namespace {

using ledger::Account;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ConstructorMock, ASpyRecordsEachConstructionAndTheBodyRunsAsBuilt) {
  auto made = softpatch::spy_constructor<Account(int, const std::string&)>();
  int open = Account::open_accounts;
  Account here(5, "alice");
  Account there = ledger::open_for("bob", 7);  // made in ledger.cpp
  ASSERT_EQ(made.count(), 2u);
  EXPECT_EQ(std::get<0>(made.calls()[0]), &here);
  EXPECT_EQ(std::get<1>(made.calls()[0]), 5);
  EXPECT_EQ(std::get<2>(made.calls()[0]), "alice");
  EXPECT_EQ(std::get<2>(made.calls()[1]), "bob");
  EXPECT_EQ(here.balance(), 5) << "the body ran, after the spy";
  EXPECT_THAT(here.history(), ElementsAre("opened by alice"));
  EXPECT_EQ(there.balance(), 7);
  EXPECT_EQ(Account::open_accounts, open + 2);
}

TEST(ConstructorMock, AMockReplacesTheBodyAndTheInitialisersRunAsBuilt) {
  int open = Account::open_accounts;
  {
    auto made = softpatch::mock_constructor<Account(int, const std::string&)>(
        [](Account& self, int& opening, const std::string& owner) {
          self.deposit(opening * 100 + static_cast<int>(owner.size()));
        });
    Account a(5, "alice");
    EXPECT_EQ(a.owner(), "alice") << "its member initialiser ran";
    EXPECT_EQ(a.balance(), 505) << "the mock, instead of the body";
    EXPECT_TRUE(a.history().empty());
    EXPECT_EQ(ledger::open_for("bob", 1).balance(), 103);
  }
  EXPECT_EQ(Account::open_accounts, open - 2) << "destroyed as built";
  Account after(5, "carol");
  EXPECT_EQ(after.balance(), 5) << "the body is back";
  EXPECT_THAT(after.history(), ElementsAre("opened by carol"));
}

TEST(ConstructorMock, AParameterByValueReachesTheReplacementByReference) {
  auto made = softpatch::mock_constructor<Account(std::string)>(
      [](Account* self, std::string& owner) { self->deposit(static_cast<int>(owner.size())); });
  Account a("dora");
  EXPECT_EQ(a.balance(), 4);
  EXPECT_EQ(a.owner(), "dora");
}

TEST(ConstructorMock, CopiesASpyMakesToRecordAreNotRecorded) {
  Account original(3, "erin");
  auto copies = softpatch::spy_constructor<Account(const Account&)>();
  int open = Account::open_accounts;
  Account copy(original);
  ASSERT_EQ(copies.count(), 1u) << "the spy's own copy of the argument is not a call";
  EXPECT_EQ(std::get<1>(copies.calls()[0]).owner(), "erin");
  EXPECT_THAT(copy.history(), ElementsAre("opened by erin", "copied"));
  EXPECT_EQ(Account::open_accounts, open + 2) << "the copy, and the spy's copy of the argument";
}

TEST(ConstructorMock, ADerivedClassRunsItsBasesBodyThenItsOwn) {
  auto bases = softpatch::spy_constructor<Account(int, const std::string&)>();
  auto savings = softpatch::mock_constructor<ledger::Savings(int)>(
      [](ledger::Savings& self, int& opening) { self.deposit(opening); });
  ledger::Savings s(10);
  ASSERT_EQ(bases.count(), 1u);
  EXPECT_EQ(std::get<0>(bases.calls()[0]), static_cast<Account*>(&s));
  EXPECT_EQ(s.balance(), 20) << "Account's body, then the mock of Savings'";
  EXPECT_EQ(s.rate(), 0) << "Savings' own body did not run";
}

TEST(ConstructorMock, MocksAndSpiesOfOneConstructorNestAndEndInAnyOrder) {
  auto inner = softpatch::mock_constructor<Account(int, const std::string&)>(
      [](Account& self, int&, const std::string&) { self.deposit(1); });
  auto spy = softpatch::spy_constructor<Account(int, const std::string&)>();
  EXPECT_EQ(Account(5, "f").balance(), 1) << "the spy calls through to the mock below";
  EXPECT_EQ(spy.count(), 1u);
  { auto ending = std::move(inner); }
  EXPECT_EQ(Account(5, "g").balance(), 5) << "the spy calls through to the body";
  EXPECT_EQ(spy.count(), 2u);
}

TEST(ConstructorMock, AMockForTheCallingThreadLeavesOtherThreadsTheBody) {
  auto mine = softpatch::mock_constructor<Account(int, const std::string&)>(
      softpatch::this_thread, [](Account& self, int&, const std::string&) { self.deposit(-1); });
  int elsewhere = 0;
  std::thread other([&] { elsewhere = Account(5, "other").balance(); });
  other.join();
  EXPECT_EQ(elsewhere, 5);
  EXPECT_EQ(Account(5, "mine").balance(), -1);
}

TEST(ConstructorMock, ADestructorsBodyIsSpiedOnAndMocked) {
  int closed = Account::closed_total;
  {
    auto ended = softpatch::spy_destructor<Account>();
    { Account a(4, "gus"); }
    ledger::open_and_close(6);  // destroyed in ledger.cpp
    ASSERT_EQ(ended.count(), 2u);
    EXPECT_EQ(Account::closed_total, closed + 10) << "the body ran after the spy";
  }
  {
    int open = Account::open_accounts;
    auto quiet = softpatch::mock_destructor<Account>([](Account& self) { self.deposit(0); });
    { Account a(4, "hal"); }
    EXPECT_EQ(Account::closed_total, closed + 10) << "the mock, instead of the body";
    EXPECT_EQ(Account::open_accounts, open + 1);
  }
  { Account a(1, "ida"); }
  EXPECT_EQ(Account::closed_total, closed + 11) << "the body is back";
}

TEST(ConstructorMock, AConstructorThatTakesOtherParametersIsRefusedNamingTheOnesThatAre) {
  try {
    auto made = softpatch::mock_constructor<Account(double)>([](Account&, double&) {});
    FAIL() << "mocked a constructor that does not exist";
  } catch (const softpatch::MockError& error) {
    EXPECT_THAT(error.what(), HasSubstr("softpatch::mock_constructor: no instrumented "
                                        "constructor of ledger::Account takes these parameters"));
    EXPECT_THAT(error.what(), HasSubstr("ledger::Account::Account(int, const std::string &)"));
    EXPECT_THAT(error.what(), HasSubstr("ledger::Account::Account(const ledger::Account &)"));
  }
  EXPECT_EQ(Account(2, "jo").balance(), 2) << "nothing was mocked";
}

TEST(ConstructorMock, MockByNameOfAConstructorSaysWhatToUse) {
  try {
    auto made = softpatch::mock_by_name<void(Account*, int&, const std::string&)>(
        "ledger::Account::Account(int, const std::string &)",
        [](Account*, int&, const std::string&) {});
    FAIL() << "mocked a constructor by name";
  } catch (const softpatch::MockError& error) {
    EXPECT_THAT(error.what(), HasSubstr("use softpatch::mock_constructor<Class(Parameters...)>"));
  }
}

}  // namespace
