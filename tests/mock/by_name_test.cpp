// mock_by_name and mock<&f> on one function share one chain: whichever way
// a mock was made, the newest one in force answers, and a spy or a
// per-thread mock calls through to the one below it. mock_by_name checks
// the signature it is given against the registry's.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "payment.h"
#include "softpatch/mock.h"

namespace {

using payment::Store;
using ::testing::AllOf;
using ::testing::HasSubstr;

TEST(OneChain, ASpyOverAMockByNameCallsTheMock) {
  auto by_name = softpatch::mock_by_name<int(int)>("payment::fee", [](int) { return 7; });
  auto calls = softpatch::spy<&payment::fee>();
  EXPECT_EQ(payment::fee(1000), 7);
  ASSERT_EQ(calls.count(), 1u);
  EXPECT_EQ(std::get<0>(calls.calls()[0]), 1000);
}

TEST(OneChain, APerThreadMockOverAMockByNameLeavesOtherThreadsTheMock) {
  auto by_name = softpatch::mock_by_name<int(int)>("payment::fee", [](int) { return 7; });
  auto mine = softpatch::mock<&payment::fee>(softpatch::this_thread, [](int) { return 8; });
  int elsewhere = 0;
  std::thread([&] { elsewhere = payment::fee(1000); }).join();
  EXPECT_EQ(payment::fee(1000), 8);
  EXPECT_EQ(elsewhere, 7);  // not the original's 20
}

TEST(OneChain, AMockByNameOverAMockByAddressAndBack) {
  auto by_address = softpatch::mock<&payment::fee>([](int) { return 1; });
  {
    auto by_name = softpatch::mock_by_name<int(int)>("payment::fee", [](int) { return 2; });
    EXPECT_EQ(payment::fee(1000), 2);
    auto calls = softpatch::spy<&payment::fee>();
    { auto end_by_address = std::move(by_address); }  // the older one ends first
    EXPECT_EQ(payment::fee(1000), 2);
    EXPECT_EQ(calls.count(), 1u);
  }
  EXPECT_EQ(payment::fee(1000), 20);  // the last one ended: the real function
}

TEST(OneChain, AMethodByNameUnderASpyByAddress) {
  Store store;
  auto by_name = softpatch::mock_by_name<std::string(const Store*, const std::string&)>(
      "payment::Store::get", [](const Store*, const std::string& key) { return key + "!"; });
  auto calls = softpatch::spy<&Store::get>();
  EXPECT_EQ(store.get("k"), "k!");
  ASSERT_EQ(calls.count(), 1u);
  EXPECT_EQ(std::get<0>(calls.calls()[0]), &store);
  EXPECT_EQ(softpatch::call_original<&Store::get>(store, "k"), "v");
}

// The message names the function, the registry's signature and the part
// given differently.
std::string by_name_error(void (*make)()) {
  try {
    make();
  } catch (const softpatch::MockError& error) {
    return error.what();
  }
  return "no error";
}

TEST(ByNameTypes, AWrongResultIsNamed) {
  std::string error = by_name_error([] {
    (void)softpatch::mock_by_name<long(const Store*, int)>("payment::Store::secret",
                                                           [](const Store*, int) { return 0L; });
  });
  EXPECT_THAT(error, AllOf(HasSubstr("payment::Store::secret(int) const"),
                           HasSubstr("int (const payment::Store *, int)"),
                           HasSubstr("the result is int, not long")));
}

TEST(ByNameTypes, AWrongParameterIsNamedByItsPosition) {
  std::string object = by_name_error([] {
    (void)softpatch::mock_by_name<int(Store*, int)>("payment::Store::secret",
                                                    [](Store*, int) { return 0; });
  });
  EXPECT_THAT(object, HasSubstr("parameter 1 (the object) is const payment::Store *, not "
                                "payment::Store*"));
  std::string second = by_name_error([] {
    (void)softpatch::mock_by_name<int(const Store*, double)>(
        "payment::Store::secret", [](const Store*, double) { return 0; });
  });
  EXPECT_THAT(second, HasSubstr("parameter 2 is int, not double"));
  std::string count = by_name_error([] {
    (void)softpatch::mock_by_name<int(int, int)>("payment::fee", [](int, int) { return 0; });
  });
  EXPECT_THAT(count, HasSubstr("takes 1 parameter, not 2"));
}

TEST(ByNameTypes, SpellingsThatNameTheSameTypesAreAccepted) {
  // The registry spells types as Clang does ("std::basic_string<char>",
  // "unsigned long"); the test's compiler may spell them otherwise.
  auto get = softpatch::mock_by_name<std::string(const Store*, const std::string&)>(
      "payment::Store::get", [](const Store*, const std::string&) { return std::string("x"); });
  auto length = softpatch::mock_by_name<std::size_t(const char*)>(
      "payment::length", [](const char*) { return std::size_t{5}; });
  auto box = softpatch::mock_by_name<std::unique_ptr<int>(int)>(
      "payment::make_box", [](int) { return std::make_unique<int>(1); });
  EXPECT_EQ(Store().get("k"), "x");
  EXPECT_EQ(payment::length(""), 5u);
  EXPECT_EQ(*payment::make_box(0), 1);
}

}  // namespace
