// Mocks of functions defined in a header (shelf.h), which this file and
// shelf_users.cpp each compile: a mock replaces the function for the calls
// of both, and the registry lists it once.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "shelf.h"
#include "softpatch/mock.h"
#include "softpatch/registry.h"

namespace {

using shelf::Shelf;
using ::testing::HasSubstr;

Shelf shelf_of(int n) {
  Shelf s;
  s.add(n);
  return s;
}

TEST(HeaderMock, AMemberDefinedInItsClassIsMockedForTheCallsOfEveryFile) {
  Shelf s = shelf_of(3);
  {
    auto guard = softpatch::mock<&Shelf::size>([](const Shelf*) { return 42; });
    EXPECT_EQ(s.size(), 42);
    EXPECT_EQ(shelf::size_elsewhere(s), 42);
  }
  EXPECT_EQ(s.size(), 3);
  EXPECT_EQ(shelf::size_elsewhere(s), 3);
}

TEST(HeaderMock, AnInlineMemberDefinedAfterItsClassIsMocked) {
  Shelf s;
  auto adds = softpatch::spy<&Shelf::add>();
  s.add(2);
  shelf::add_elsewhere(s, 5);
  ASSERT_EQ(adds.count(), 2u);
  EXPECT_EQ(std::get<1>(adds.calls()[1]), 5);
  EXPECT_EQ(s.size(), 7);  // a spy calls through
}

TEST(HeaderMock, AFriendDefinedInItsClassIsMocked) {
  Shelf s = shelf_of(4);
  auto guard = softpatch::mock<&shelf::weight>([](const Shelf&) { return -1; });
  EXPECT_EQ(weight(s), -1);
  EXPECT_EQ(shelf::weight_elsewhere(s), -1);
}

TEST(HeaderMock, AStaticInlineFunctionIsMockedInEveryFilesCopy) {
  auto guard = softpatch::mock<&shelf::limit>([] { return 99; });
  EXPECT_EQ(shelf::limit(), 99);
  EXPECT_EQ(shelf::limit_elsewhere(), 99);
}

TEST(HeaderMock, AMockSaysWhenAFileBuiltWithoutSoftpatchHasAPlainCopy) {
  Shelf s;
  ::testing::internal::CaptureStderr();
  auto guard = softpatch::mock<&Shelf::empty>([](const Shelf*) { return false; });
  std::string said = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(said, HasSubstr("softpatch::mock: warning: shelf::Shelf::empty() const also has a "
                              "copy compiled without softpatch, in "));
  EXPECT_EQ(said.find('\n'), said.size() - 1);  // one line
  EXPECT_FALSE(s.empty());                      // this file's calls are mocked
  EXPECT_TRUE(shelf::empty_plainly(s));         // the plain file's are not
}

TEST(HeaderMock, TheRegistryListsAHeaderFunctionOnceThoughTwoFilesRegisterIt) {
  int listed = 0;
  for (const softpatch::Function& f : softpatch::functions())
    if (std::string(f.name()) == "shelf::Shelf::size() const") {
      ++listed;
      EXPECT_THAT(f.project_file(), HasSubstr("tests/mock/shelf.h"));
      EXPECT_EQ(softpatch::plain_copy_of(f), "");  // every file that has a copy instruments it
    }
  EXPECT_EQ(listed, 1);
}

TEST(HeaderMock, AConstructorDefinedInItsClassIsMockedAndSpiedOnInEveryFile) {
  softpatch::Result<softpatch::Function> constructor =
      softpatch::find_function("shelf::Shelf::Shelf(int)");
  ASSERT_TRUE(constructor) << constructor.error();
  EXPECT_TRUE(constructor->flags() & softpatch::internal::kConstructor);
  EXPECT_EQ(constructor->address(), nullptr) << "its symbol makes a whole object";
  {
    auto bigger = softpatch::mock_constructor<Shelf(int)>(
        [](Shelf& self, int& start) { self.add(start * 10); });
    auto made = softpatch::spy_constructor<Shelf(int)>();  // calls through to the mock
    EXPECT_EQ(Shelf(2).size(), 22) << "the initialiser as built, then the mock";
    EXPECT_EQ(shelf::made_elsewhere(3).size(), 33);
    ASSERT_EQ(made.count(), 2u);
    EXPECT_EQ(std::get<1>(made.calls()[1]), 3);
  }
  EXPECT_EQ(Shelf(5).size(), 5);
  EXPECT_EQ(shelf::made_elsewhere(5).size(), 5);
}

TEST(HeaderMock, AFunctionWithAStaticVariableStaysPlainAndSaysSo) {
  try {
    auto guard = softpatch::mock<&shelf::served>([]() -> int& {
      static int other = 0;
      return other;
    });
    FAIL() << "mocked a header function that should have stayed plain";
  } catch (const softpatch::MockError& error) {
    EXPECT_THAT(error.what(), HasSubstr("is not instrumented"));
  }
  ++shelf::served();
  EXPECT_EQ(shelf::served(), 1);
}

}  // namespace
