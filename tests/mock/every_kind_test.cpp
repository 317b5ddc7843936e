// Every way of mocking (a replacement, this_thread, one object, answers in
// turn, a spy, by name, call_original, GoogleMock) on each kind of function
// that is instrumented beside a .cpp file's own: a member defined in a
// header's class, a member of a .cpp file's class template, and one of a
// header's class template; and on a header class's constructor.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "crate.h"
#include "shelf.h"
#include "softpatch/gmock.h"
#include "softpatch/mock.h"
#include "templates.h"

namespace {

using ::testing::_;
using ::testing::Return;

// One target: Object holds 3, and Target, a const method with no
// parameters, returns it; calls_from_another_file(object) calls it from
// another file; Name is how the registry names it.
struct HeaderMember {
  using Object = shelf::Shelf;
  using Result = int;
  static constexpr auto Target = &shelf::Shelf::size;
  static constexpr const char* kName = "shelf::Shelf::size() const";
  static Result from_another_file(const Object& o) { return shelf::size_elsewhere(o); }
};
struct FileTemplateMember {
  using Object = lab::Box<long>;
  using Result = long;
  static constexpr auto Target = &lab::Box<long>::get;
  static constexpr const char* kName = "lab::Box<long>::get() const";
  static Result from_another_file(const Object& o) { return lab::box_get(o); }
};
struct HeaderTemplateMember {
  using Object = crate::Crate<long>;
  using Result = long;
  static constexpr auto Target = &crate::Crate<long>::get;
  static constexpr const char* kName = "crate::Crate<long>::get() const";
  static Result from_another_file(const Object& o) { return crate::get_elsewhere(o); }
};

template <class Kind>
class EveryKind : public ::testing::Test {};
using Kinds = ::testing::Types<HeaderMember, FileTemplateMember, HeaderTemplateMember>;
TYPED_TEST_SUITE(EveryKind, Kinds);

TYPED_TEST(EveryKind, AReplacementAnswersTheCallsOfEveryFile) {
  typename TypeParam::Object o(3);
  {
    auto guard = softpatch::mock<TypeParam::Target>([](const auto&) { return 40; });
    EXPECT_EQ((o.*TypeParam::Target)(), 40);
    EXPECT_EQ(TypeParam::from_another_file(o), 40);
  }
  EXPECT_EQ((o.*TypeParam::Target)(), 3);
}

TYPED_TEST(EveryKind, AMockOfTheCallingThreadLeavesOtherThreadsAlone) {
  typename TypeParam::Object o(3);
  auto guard =
      softpatch::mock<TypeParam::Target>(softpatch::this_thread, [](const auto&) { return 40; });
  typename TypeParam::Result elsewhere = 0;
  std::thread([&] { elsewhere = (o.*TypeParam::Target)(); }).join();
  EXPECT_EQ((o.*TypeParam::Target)(), 40);
  EXPECT_EQ(elsewhere, 3);
}

TYPED_TEST(EveryKind, AMockOfOneObjectLeavesTheOthersAlone) {
  typename TypeParam::Object mine(3), other(3);
  auto guard = softpatch::mock<TypeParam::Target>(mine, [](const auto&) { return 40; });
  EXPECT_EQ((mine.*TypeParam::Target)(), 40);
  EXPECT_EQ((other.*TypeParam::Target)(), 3);
}

TYPED_TEST(EveryKind, AnswersInTurnThenTheLastRepeats) {
  typename TypeParam::Object o(3);
  auto guard = softpatch::mock<TypeParam::Target>().returns(1, 2);
  EXPECT_EQ((o.*TypeParam::Target)(), 1);
  EXPECT_EQ(TypeParam::from_another_file(o), 2);
  EXPECT_EQ((o.*TypeParam::Target)(), 2);
}

TYPED_TEST(EveryKind, ASpyRecordsTheObjectAndCallsThrough) {
  typename TypeParam::Object o(3);
  auto spy = softpatch::spy<TypeParam::Target>();
  EXPECT_EQ((o.*TypeParam::Target)(), 3);
  EXPECT_EQ(TypeParam::from_another_file(o), 3);
  ASSERT_EQ(spy.count(), 2u);
  EXPECT_EQ(std::get<0>(spy.calls()[1]), &o);
}

TYPED_TEST(EveryKind, AMockByNameJoinsTheChainOfAMockByAddress) {
  using Object = typename TypeParam::Object;
  using Result = typename TypeParam::Result;
  typename TypeParam::Object o(3);
  auto by_name = softpatch::mock_by_name<Result(const Object*)>(
      TypeParam::kName, [](const Object*) -> Result { return 50; });
  auto spy = softpatch::spy<TypeParam::Target>();
  EXPECT_EQ((o.*TypeParam::Target)(), 50) << "the spy calls through to the mock made by name";
  EXPECT_EQ(spy.count(), 1u);
}

TYPED_TEST(EveryKind, AReplacementCallsTheOriginal) {
  typename TypeParam::Object o(3);
  auto guard = softpatch::mock<TypeParam::Target>(
      [](const auto& self) { return softpatch::call_original<TypeParam::Target>(self) * 10; });
  EXPECT_EQ(TypeParam::from_another_file(o), 30);
}

TYPED_TEST(EveryKind, GoogleMockExpectationsAndTheOriginalAsAnAction) {
  typename TypeParam::Object o(3);
  softpatch::GMock<TypeParam::Target> mocked;
  EXPECT_CALL(mocked, Call(&o))
      .WillOnce(Return(7))
      .WillOnce(softpatch::CallOriginal<TypeParam::Target>());
  EXPECT_EQ((o.*TypeParam::Target)(), 7);
  EXPECT_EQ(TypeParam::from_another_file(o), 3);
}

// A header class's constructor (shelf::Shelf(int), defined in its class).
TEST(EveryKindOfConstructor, AHeaderConstructorIsSpiedOnMockedAndExpected) {
  {
    auto made = softpatch::spy_constructor<shelf::Shelf(int)>();
    shelf::Shelf a(4);
    shelf::Shelf b = shelf::made_elsewhere(5);
    ASSERT_EQ(made.count(), 2u);
    EXPECT_EQ(std::get<1>(made.calls()[1]), 5);
    EXPECT_EQ(a.size() + b.size(), 9) << "a spy lets the body run";
  }
  {
    auto made = softpatch::mock_constructor<shelf::Shelf(int)>(softpatch::this_thread,
                                                               [](shelf::Shelf& s, int&) {
                                                                 s.add(100);  // count_ was set
                                                               });
    EXPECT_EQ(shelf::Shelf(4).size(), 104);
    int elsewhere = 0;
    std::thread([&] { elsewhere = shelf::Shelf(4).size(); }).join();
    EXPECT_EQ(elsewhere, 4);
  }
  {
    softpatch::GMockConstructor<shelf::Shelf(int)> made;
    EXPECT_CALL(made, Call(_, 6)).WillOnce(softpatch::RunBody());
    EXPECT_EQ(shelf::made_elsewhere(6).size(), 6);
  }
}

}  // namespace
