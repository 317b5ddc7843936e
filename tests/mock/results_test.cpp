// A mock that calls the original (mock<&f>() without values, a spy)
// returns exactly what the original returns: the same reference, the same
// move-only value, nothing. A reference returned through a copy would point
// at a destroyed temporary, so the tests compare addresses.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "payment.h"
#include "softpatch/mock.h"

namespace {

using payment::Warehouse;

TEST(PassThrough, AConstReferenceIsTheOriginalsOwn) {
  Warehouse warehouse;
  const std::string& expected = warehouse.site();
  auto through = softpatch::mock<&Warehouse::site>();
  const std::string& site = warehouse.site();
  EXPECT_EQ(&site, &expected);  // not a copy that died with the call
  EXPECT_EQ(site, "Leeds");
}

TEST(PassThrough, AMutableReferenceCanBeWrittenThrough) {
  Warehouse warehouse;
  auto through = softpatch::mock<&Warehouse::stock>();
  warehouse.stock() = 9;
  EXPECT_EQ(warehouse.stock_level(), 9);
}

TEST(PassThrough, AnRvalueReferenceIsTheOriginalsOwn) {
  Warehouse warehouse;
  std::string* expected = nullptr;
  {
    auto find = softpatch::mock<&Warehouse::release_label>([&](Warehouse& self) -> std::string&& {
      std::string&& label = softpatch::call_original<&Warehouse::release_label>(self);
      expected = &label;
      return std::move(label);
    });
    std::string&& label = warehouse.release_label();
    ASSERT_EQ(&label, expected);
  }
  auto through = softpatch::mock<&Warehouse::release_label>();
  std::string&& label = warehouse.release_label();
  EXPECT_EQ(&label, expected);
  std::string taken = std::move(label);
  EXPECT_EQ(taken, "crate");
}

TEST(PassThrough, AConstValue) {
  static_assert(std::is_same_v<decltype(std::declval<Warehouse>().label()), const std::string>);
  Warehouse warehouse;
  auto through = softpatch::mock<&Warehouse::label>();
  EXPECT_EQ(warehouse.label(), "crate");
}

TEST(PassThrough, NothingForVoid) {
  Warehouse warehouse;
  auto through = softpatch::mock<&Warehouse::restock>();
  warehouse.restock(2);
  EXPECT_EQ(warehouse.stock_level(), 5);  // the original ran, once
}

TEST(PassThrough, AMoveOnlyResultAndParameter) {
  auto make = softpatch::mock<&payment::make_box>();
  auto open = softpatch::mock<&payment::open_box>();
  std::unique_ptr<int> box = payment::make_box(4);
  ASSERT_TRUE(box);
  EXPECT_EQ(*box, 4);
  EXPECT_EQ(payment::open_box(std::move(box)), 4);
}

TEST(PassThrough, ASpyPassesReferencesThroughToo) {
  Warehouse warehouse;
  const std::string& expected = warehouse.site();
  auto calls = softpatch::spy<&Warehouse::site>();
  EXPECT_EQ(&warehouse.site(), &expected);
  EXPECT_EQ(calls.count(), 1u);
}

TEST(PassThrough, ReturnsOnAReferenceResultAnswersItsOwnCopies) {
  Warehouse warehouse;
  auto sites = softpatch::mock<&Warehouse::site>().returns(std::string("York"));
  const std::string& first = warehouse.site();
  const std::string& second = warehouse.site();
  EXPECT_EQ(first, "York");
  EXPECT_EQ(&first, &second);  // kept by the mock, not a temporary per call
}

}  // namespace
