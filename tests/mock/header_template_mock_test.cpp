// Mocks of instantiations of templates defined in a header (crate.h), which
// this file and crate_users.cpp each instantiate: a mock replaces one
// instantiation for the calls of both, and leaves the others alone.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "crate.h"
#include "softpatch/mock.h"
#include "softpatch/registry.h"

namespace {

using crate::Crate;
using ::testing::HasSubstr;

TEST(HeaderTemplateMock, AFunctionTemplatesInstantiationIsMockedForEveryFile) {
  {
    auto guard = softpatch::mock<&crate::twice<int>>([](int x) { return x * 100; });
    EXPECT_EQ(crate::twice(2), 200);
    EXPECT_EQ(crate::twice_elsewhere(3), 300);
    EXPECT_EQ(crate::twice(1.5), 3.0) << "twice<double> is another function";
  }
  EXPECT_EQ(crate::twice(2), 4);
  EXPECT_EQ(crate::twice_elsewhere(3), 6);
}

TEST(HeaderTemplateMock, AMemberDefinedInAClassTemplateIsMocked) {
  Crate<long> c(4);
  auto guard = softpatch::mock<&Crate<long>::get>([](const Crate<long>*) { return 77L; });
  EXPECT_EQ(c.get(), 77);
  EXPECT_EQ(crate::get_elsewhere(c), 77);
  EXPECT_EQ(Crate<int>(4).get(), 4) << "Crate<int>::get is another function";
}

TEST(HeaderTemplateMock, AMemberReturningAMemberTypedefIsMockedForOneInstantiation) {
  static const long other = 9;
  Crate<long> c(4);
  auto guard = softpatch::mock<&Crate<long>::begin>([](const Crate<long>*) { return &other; });
  EXPECT_EQ(*c.begin(), 9);
  Crate<int> i(5);
  EXPECT_EQ(*i.begin(), 5) << "Crate<int>::begin is another function";
}

TEST(HeaderTemplateMock, AMemberDefinedAfterItsClassTemplateIsSpiedOn) {
  Crate<long> c(4);
  auto sets = softpatch::spy<&Crate<long>::set>();
  c.set(9);
  crate::set_elsewhere(c, 11);
  ASSERT_EQ(sets.count(), 2u);
  EXPECT_EQ(std::get<1>(sets.calls()[0]), 9);
  EXPECT_EQ(std::get<1>(sets.calls()[1]), 11);
  EXPECT_EQ(c.get(), 11);  // a spy calls through
}

TEST(HeaderTemplateMock, AMemberTemplateOfAClassTemplateIsMocked) {
  Crate<long> c(4);
  auto guard = softpatch::mock<&Crate<long>::as<int>>([](const Crate<long>*) { return -4; });
  EXPECT_EQ(c.as<int>(), -4);
  EXPECT_EQ(c.as<short>(), 4);
}

TEST(HeaderTemplateMock, AValueArgumentIsPartOfTheInstantiation) {
  auto guard = softpatch::mock<&crate::scale<3>>([](int x) { return x - 3; });
  EXPECT_EQ(crate::scale<3>(10), 7);
  EXPECT_EQ(crate::scale_elsewhere(10), 7);
  EXPECT_EQ(crate::scale<4>(10), 40);
}

TEST(HeaderTemplateMock, AnExplicitSpecializationIsMockedForEveryFile) {
#if defined(__clang__)
  // Clang takes the ABI tag that keeps it apart from a plain file's copy on
  // the template only: it stays plain, and mocking it says so.
  EXPECT_THROW((void)softpatch::mock<&crate::kind<int>>([](int) { return std::string(); }),
               softpatch::MockError);
  return;
#endif
  auto guard = softpatch::mock<&crate::kind<int>>([](int) { return std::string("mocked"); });
  EXPECT_EQ(crate::kind(1), "mocked");
  EXPECT_EQ(crate::kind_elsewhere(1), "mocked");
  EXPECT_EQ(crate::kind(1L), "some") << "kind<long> is another function";
}

TEST(HeaderTemplateMock, AConstexprFunctionIsMockedAtRunTimeAndEvaluatedAsWritten) {
  auto guard = softpatch::mock<&crate::width>([](int) { return -1; });
  volatile int n = 2;  // a call at run time
  EXPECT_EQ(crate::width(n), -1);
  EXPECT_EQ(crate::width_elsewhere(n), -1);
  constexpr int at_compile_time = crate::width(2);
  EXPECT_EQ(at_compile_time, 8);
}

TEST(HeaderTemplateMock, ThePlainFilesCopyIsKeptApartAndSaid) {
  ::testing::internal::CaptureStderr();
  auto guard = softpatch::mock<&crate::twice<short>>([](short x) { return short(-x); });
  std::string said = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(said, HasSubstr("softpatch::mock: warning: crate::twice<short>(short) also has a "
                              "copy compiled without softpatch"));
  EXPECT_EQ(crate::twice(short{5}), -5) << "this file's calls are mocked";
  EXPECT_EQ(crate::twice_plainly(5), 10) << "the plain file runs its plain copy";
}

TEST(HeaderTemplateMock, TheRegistryListsAnInstantiationOnceWithItsHeader) {
  int listed = 0;
  for (const softpatch::Function& f : softpatch::functions())
    if (std::string(f.name()) == "crate::Crate<long>::set(long)") {
      ++listed;
      EXPECT_THAT(f.project_file(), HasSubstr("tests/mock/crate.h"));
      EXPECT_TRUE(f.flags() & softpatch::internal::kInstantiation);
      EXPECT_FALSE(f.flags() & softpatch::internal::kFileInstantiation);
    }
  EXPECT_EQ(listed, 1);
}

}  // namespace
