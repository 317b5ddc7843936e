// softpatch/mock.h on real instrumented code (payment.cpp), in one process.
#include "softpatch/mock.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "payment.h"

namespace {

using payment::Card;
using payment::Result;
using payment::Store;
using ::testing::HasSubstr;

TEST(Mock, ReplacesAFreeFunctionWhileTheGuardLives) {
  {
    auto guard =
        softpatch::mock<&payment::charge>([](const Card&, int) { return Result::kTimeout; });
    EXPECT_EQ(payment::checkout({"4111"}, 100), "timeout");  // called inside payment.cpp too
  }
  EXPECT_EQ(payment::checkout({"4111"}, 100), "paid");
}

TEST(Mock, TheExampleAtTheTopOfMockH) {
  auto charge =
      softpatch::mock<&payment::charge>([](const Card&, int) { return Result::kTimeout; });
  auto fees = softpatch::spy<&payment::fee>();  // records, calls through
  auto ids = softpatch::mock<&payment::next_id>().returns(1, 2, 3);

  EXPECT_EQ(payment::checkout({"4111"}, 100), "timeout");  // calls charge() and fee()
  ASSERT_EQ(fees.count(), 1u);
  EXPECT_EQ(std::get<0>(fees.calls()[0]), 100);
  EXPECT_EQ(payment::next_id(), 1);
}

TEST(Mock, GuardsNestAndEndInReverseOrder) {
  auto outer = softpatch::mock<&payment::next_id>([] { return 100; });
  {
    auto inner = softpatch::mock<&payment::next_id>([] { return 200; });
    EXPECT_EQ(payment::next_id(), 200);
  }
  EXPECT_EQ(payment::next_id(), 100);
  auto moved = std::move(outer);  // a guard moves; the mock stays
  EXPECT_EQ(payment::next_id(), 100);
}

// The rule for guards ended out of order: each ends only its own mock, the
// others stay in force, and nothing is reported.
TEST(Mock, GuardsEndedInCreationOrderLeaveTheNewestInForce) {
  const std::size_t before = softpatch::active_mocks();
  ::testing::internal::CaptureStderr();
  {
    auto first = softpatch::mock<&payment::fee>([](int) { return 1; });
    auto second = softpatch::mock<&payment::fee>([](int) { return 2; });
    auto third = softpatch::mock<&payment::fee>([](int) { return 3; });
    { auto end_first = std::move(first); }
    EXPECT_EQ(payment::fee(1000), 3);
    EXPECT_EQ(softpatch::active_mocks(), before + 2);
    { auto end_second = std::move(second); }
    EXPECT_EQ(payment::fee(1000), 3);
    EXPECT_EQ(softpatch::active_mocks(), before + 1);
  }  // `third` ends last: the real function is back
  EXPECT_EQ(payment::fee(1000), 20);
  EXPECT_EQ(softpatch::active_mocks(), before);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
}

TEST(Mock, EndingAMockInTheMiddleUncoversOnlyTheOneBelowIt) {
  auto bottom = softpatch::mock<&payment::fee>([](int) { return 1; });
  auto middle = softpatch::mock<&payment::fee>([](int) { return 2; });
  {
    auto top = softpatch::mock<&payment::fee>([](int) { return 3; });
    { auto end_middle = std::move(middle); }
    EXPECT_EQ(payment::fee(1000), 3);
  }
  EXPECT_EQ(payment::fee(1000), 1);  // not the middle one, which ended first
  auto calls = softpatch::spy<&payment::fee>();
  { auto end_bottom = std::move(bottom); }  // below a spy: it calls through to the original
  EXPECT_EQ(payment::fee(1000), 20);
  EXPECT_EQ(calls.count(), 1u);
}

TEST(Mock, AnOverloadChosenByItsType) {
  auto guard = softpatch::mock<static_cast<int (*)(int)>(&payment::scale)>([](int) { return 7; });
  EXPECT_EQ(payment::scale(1), 7);
  EXPECT_EQ(payment::scale(1.0), 0.5);  // the other overload is left alone
}

TEST(Mock, AStaticHelperByName) {
  auto guard = softpatch::mock_by_name<int(int)>("payment::round_up", [](int) { return 7; });
  EXPECT_EQ(payment::fee(1000), 7);
}

TEST(Mock, NonVirtualAndVirtualMethodsGetTheObject) {
  Store store;
  auto get = softpatch::mock<&Store::get>([](const Store& self, const std::string& key) {
    return key + "@" + std::to_string(self.size());
  });
  auto size = softpatch::mock<&Store::size>([](const Store&) { return 42; });
  EXPECT_EQ(store.get("a"), "a@42");
  const Store& base = store;
  EXPECT_EQ(base.size(), 42);
}

TEST(Mock, APrivateMethodByName) {
  Store store;
  auto guard = softpatch::mock_by_name<int(const Store*, int)>(
      "payment::Store::secret", [](const Store*, int x) { return -x; });
  EXPECT_EQ(store.secret_of(5), -5);
}

TEST(Mock, OneObjectOnly) {
  Store mocked, other;
  auto guard = softpatch::mock<&Store::get>(
      mocked, [](const Store&, const std::string&) { return std::string("mocked"); });
  EXPECT_EQ(mocked.get("k"), "mocked");
  EXPECT_EQ(other.get("k"), "v");
}

TEST(Mock, ReplacementsCanCallTheOriginal) {
  auto guard = softpatch::mock<&payment::fee>(
      [](int cents) { return 1 + softpatch::call_original<&payment::fee>(cents); });
  EXPECT_EQ(payment::fee(1000), 21);
  Store store;
  auto get = softpatch::mock<&Store::get>([](const Store& self, const std::string& key) {
    return "[" + softpatch::call_original<&Store::get>(self, key) + "]";
  });
  EXPECT_EQ(store.get("k"), "[v]");
}

TEST(Mock, SpiesRecordTypedArgumentsAndCallThrough) {
  auto charges = softpatch::spy<&payment::charge>();
  EXPECT_EQ(payment::checkout({"4111"}, 100), "paid");
  EXPECT_EQ(payment::charge({""}, 5), Result::kDeclined);
  ASSERT_EQ(charges.count(), 2u);
  auto calls = charges.calls();
  EXPECT_EQ(std::get<0>(calls[0]).number, "4111");  // copied at call time
  EXPECT_EQ(std::get<1>(calls[0]), 110);            // 100 and its fee
  EXPECT_EQ(std::get<1>(calls[1]), 5);
  charges.clear();
  EXPECT_EQ(charges.count(), 0u);
}

TEST(Mock, ReturnSequencesAndThrowing) {
  auto ids = softpatch::mock<&payment::next_id>().returns(1, 2, 3);
  EXPECT_EQ(payment::next_id(), 1);
  EXPECT_EQ(payment::next_id(), 2);
  EXPECT_EQ(payment::next_id(), 3);
  EXPECT_EQ(payment::next_id(), 3);  // the last one repeats
  auto failing = softpatch::mock<&payment::charge>(
      [](const Card&, int) -> Result { throw std::runtime_error("network down"); });
  EXPECT_THROW(payment::checkout({"4111"}, 1), std::runtime_error);
}

TEST(Mock, PerThreadMocksLeaveOtherThreadsAlone) {
  std::atomic<int> seen_elsewhere{0};
  auto guard = softpatch::mock<&payment::fee>(softpatch::this_thread, [](int) { return -1; });
  std::thread([&] { seen_elsewhere = payment::fee(1000); }).join();
  EXPECT_EQ(payment::fee(1000), -1);
  EXPECT_EQ(seen_elsewhere, 20);
  auto everywhere = softpatch::mock<&payment::fee>([](int) { return -2; });
  std::thread([&] { seen_elsewhere = payment::fee(1000); }).join();
  EXPECT_EQ(seen_elsewhere, -2);  // process-wide by default
}

TEST(Mock, PerThreadMocksOfTwoThreadsEndInAnyOrder) {
  std::thread([&] {
    auto mine = softpatch::mock<&payment::fee>(softpatch::this_thread, [](int) { return 1; });
    std::thread([&] {
      auto other = softpatch::mock<&payment::fee>(softpatch::this_thread, [](int) { return 2; });
      EXPECT_EQ(payment::fee(1000), 2);
    }).join();  // the newer one ends first here: fine
    EXPECT_EQ(payment::fee(1000), 1);
  }).join();
  {
    auto a = softpatch::mock<&payment::fee>([](int) { return 3; });
    auto b = softpatch::mock<&payment::fee>(softpatch::this_thread, [](int) { return 4; });
    softpatch::Mock<int, int> moved_a = std::move(a);
    { auto end_a_first = std::move(moved_a); }  // the older one ends first
    EXPECT_EQ(payment::fee(1000), 4);
  }
  EXPECT_EQ(payment::fee(1000), 20);
  auto later = softpatch::mock<&payment::fee>([](int) { return 5; });  // mocks still work
  EXPECT_EQ(payment::fee(1000), 5);
}

TEST(Mock, UninstrumentedTargetsFailLoudly) {
  try {
    auto guard = softpatch::mock<&uninstrumented>([](int) { return 0; });
    FAIL() << "mocked a function that is not instrumented";
  } catch (const softpatch::MockError& error) {
    EXPECT_THAT(error.what(), HasSubstr("uninstrumented is not instrumented"));
    EXPECT_THAT(error.what(), HasSubstr("softpatch_instrument"));
  }
  EXPECT_THROW((void)softpatch::mock_by_name<int(int)>("no_such_function", [](int) { return 0; }),
               softpatch::MockError);
}

TEST(Mock, ResetEndsEveryMock) {
  auto a = softpatch::mock<&payment::fee>([](int) { return 0; });
  auto b = softpatch::mock<&payment::next_id>([] { return 0; });
  EXPECT_EQ(softpatch::active_mocks(), 2u);
  softpatch::reset_mocks();
  EXPECT_EQ(softpatch::active_mocks(), 0u);
  EXPECT_EQ(payment::fee(1000), 20);
}  // the guards end here, doing nothing

TEST(Mock, SwappedWhileEightThreadsCall) {
  std::atomic<bool> stop{false};
  std::atomic<long> wrong{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 8; ++t)
    callers.emplace_back([&] {
      while (!stop) {
        int f = payment::fee(1000);
        if (f != 20 && f != 1 && f != 2) ++wrong;
      }
    });
  for (int i = 0; i < 2000; ++i) {
    auto one = softpatch::mock<&payment::fee>([](int) { return 1; });
    auto two = softpatch::mock<&payment::fee>([](int) { return 2; });
  }
  stop = true;
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(wrong, 0);
}

}  // namespace
