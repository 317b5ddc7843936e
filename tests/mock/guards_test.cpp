// The guard types, the spelling of an overload, the object passed by
// reference or by pointer, and what a spy records.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <type_traits>

#include "payment.h"
#include "softpatch/mock.h"

namespace {

using payment::Card;
using payment::Store;
using ::testing::HasSubstr;

TEST(Guards, KeptInAnOptionalAndReassigned) {
  const std::size_t before = softpatch::active_mocks();
  std::optional<softpatch::MockOf<&payment::fee>> fee;
  fee = softpatch::mock<&payment::fee>([](int) { return 1; });
  EXPECT_EQ(payment::fee(1000), 1);
  fee = softpatch::mock<&payment::fee>([](int) { return 2; });  // the first one ends
  EXPECT_EQ(payment::fee(1000), 2);
  EXPECT_EQ(softpatch::active_mocks(), before + 1);
  fee.reset();
  EXPECT_EQ(payment::fee(1000), 20);
  EXPECT_EQ(softpatch::active_mocks(), before);
}

TEST(Guards, AssigningOneGuardToAnotherEndsOnlyTheOverwrittenMock) {
  auto first = softpatch::mock<&payment::fee>([](int) { return 1; });
  auto second = softpatch::mock<&payment::fee>([](int) { return 2; });
  first = std::move(second);  // ends the mock of `first`; `second`'s lives on in `first`
  EXPECT_EQ(payment::fee(1000), 2);
  { auto end = std::move(first); }
  EXPECT_EQ(payment::fee(1000), 20);
}

TEST(Guards, ByNameGuardsAndSpiesHaveNamedTypes) {
  softpatch::Mock<int, const Store*, int> secret = softpatch::mock_by_name<int(const Store*, int)>(
      "payment::Store::secret", [](const Store*, int) { return 0; });
  std::optional<softpatch::SpyOf<&payment::fee>> fees;
  fees = softpatch::spy<&payment::fee>();
  payment::fee(10);
  fees = softpatch::spy<&payment::fee>();  // a fresh record; the first spy ended
  payment::fee(20);
  ASSERT_EQ(fees->count(), 1u);
  EXPECT_EQ(std::get<0>(fees->calls()[0]), 20);
  EXPECT_EQ(Store().secret_of(3), 0);
}

TEST(Overloads, NamedByTheirSignature) {
  auto ints = softpatch::mock<int(int), &payment::scale>([](int) { return 7; });
  auto doubles = softpatch::spy<double(double), &payment::scale>();
  EXPECT_EQ(payment::scale(1), 7);
  EXPECT_EQ(payment::scale(1.0), 0.5);  // the other overload is left alone, and spied on
  EXPECT_EQ(doubles.count(), 1u);
  EXPECT_EQ((softpatch::call_original<int(int), &payment::scale>(2)), 20);
  auto through = softpatch::mock<int(int), &payment::scale>();
  EXPECT_EQ(payment::scale(3), 30);
  auto mine =
      softpatch::mock<int(int), &payment::scale>(softpatch::this_thread, [](int) { return 8; });
  EXPECT_EQ(payment::scale(3), 8);
}

TEST(TheObject, ByReferenceOrByPointerInEveryReplacement) {
  Store store;
  auto get = softpatch::mock<&Store::get>(
      [](const Store* self, const std::string& key) { return key + std::to_string(self->size()); });
  EXPECT_EQ(store.get("k"), "k1");
  EXPECT_EQ(softpatch::call_original<&Store::get>(&store, "k"), "v");  // a pointer works too
  auto secret = softpatch::mock_by_name<int(const Store*, int)>(
      "payment::Store::secret", [](const Store& self, int x) { return x + self.size(); });
  EXPECT_EQ(store.secret_of(5), 6);
}

TEST(TheObject, OnlyAMethodsReplacementTakesItByReference) {
  try {
    (void)softpatch::mock_by_name<std::size_t(const Card*)>(
        "payment::digits", [](const Card& card) { return card.number.size(); });
    FAIL() << "a free function's pointer parameter was taken as an object";
  } catch (const softpatch::MockError& error) {
    EXPECT_THAT(error.what(), HasSubstr("payment::digits(const payment::Card *) is not a method"));
  }
}

TEST(Spies, RecordACStringAsAString) {
  auto calls = softpatch::spy<&payment::length>();
  std::string text = "abc";
  EXPECT_EQ(payment::length(text.c_str()), 3u);
  text = "overwritten";  // the record is a copy, not the pointer
  ASSERT_EQ(calls.count(), 1u);
  static_assert(std::is_same_v<std::tuple_element_t<0, softpatch::SpyOf<&payment::length>::Call>,
                               std::string>);
  EXPECT_EQ(std::get<0>(calls.calls()[0]), "abc");
}

// [[nodiscard]] guards in EXPECT_THROW: the (void) says the guard is meant
// to end at once.
TEST(Guards, ExpectThrowWithAVoidCast) {
  EXPECT_THROW((void)softpatch::mock_by_name<int(int)>("no_such_function", [](int) { return 0; }),
               softpatch::MockError);
}

}  // namespace
