// Mocks of template instantiations (templates.cpp): each instantiation has
// its own slot, so a mock of twice<int> leaves twice<double> alone.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "softpatch/mock.h"
#include "softpatch/registry.h"
#include "templates.h"

namespace {

using ::testing::HasSubstr;

TEST(TemplateMock, AnInstantiationIsMockedAndTheOthersKeepTheirCode) {
  auto guard = softpatch::mock<&lab::twice<int>>([](int x) { return x * 100; });
  EXPECT_EQ(lab::twice(2), 200);
  EXPECT_EQ(lab::twice_of_int(3), 300);
  EXPECT_EQ(lab::twice_of_double(1.5), 3.0);
}

TEST(TemplateMock, AMockOfAnInstantiationEndsWithItsGuard) {
  {
    auto guard = softpatch::mock<&lab::twice<double>>([](double) { return -1.0; });
  }
  EXPECT_EQ(lab::twice_of_double(1.5), 3.0);
}

TEST(TemplateMock, AMemberOfAClassTemplateIsSpiedOn) {
  lab::Box<long> box(4);
  auto sets = softpatch::spy<&lab::Box<long>::set>();
  box.set(9);
  ASSERT_EQ(sets.count(), 1u);
  EXPECT_EQ(std::get<1>(sets.calls()[0]), 9);
  EXPECT_EQ(lab::box_get(box), 9);  // a spy calls through
}

TEST(TemplateMock, AMemberOfAClassTemplateIsMocked) {
  lab::Box<long> box(4);
  auto guard = softpatch::mock<&lab::Box<long>::get>([](const lab::Box<long>*) { return 77L; });
  EXPECT_EQ(box.get(), 77);
  EXPECT_EQ(lab::box_get(box), 77);
}

TEST(TemplateMock, ANonTypeArgumentIsPartOfTheInstantiation) {
  auto guard = softpatch::mock<&lab::scale<3>>([](int x) { return x - 3; });
  EXPECT_EQ(lab::scale<3>(10), 7);
}

TEST(TemplateMock, AnExplicitSpecializationIsMocked) {
  auto guard = softpatch::mock<&lab::describe<bool>>([](bool) { return std::string("maybe"); });
  EXPECT_EQ(lab::describe(true), "maybe");
}

TEST(TemplateMock, AMemberTemplateOfAnExplicitSpecializationIsMocked) {
  lab::Codec<int> codec{5};
  EXPECT_EQ(codec.as<double>(), 2.5);
  auto guard =
      softpatch::mock<&lab::Codec<int>::as<double>>([](const lab::Codec<int>*) { return -1.0; });
  EXPECT_EQ(codec.as<double>(), -1.0);
}

TEST(TemplateMock, AVariadicInstantiationIsMockedByItsName) {
  auto guard = softpatch::mock_by_name<int(int, char, long)>("lab::count<int, char, long>",
                                                             [](int, char, long) { return 30; });
  EXPECT_EQ(lab::count_of(1, 'b', 3L), 30);
}

TEST(TemplateMock, TheRegistryNamesEachInstantiationWithItsArguments) {
  std::vector<std::string> names;
  for (const softpatch::Function& f : softpatch::functions())
    if (std::string(f.project_file()).find("templates.cpp") != std::string::npos)
      names.push_back(f.name());
  EXPECT_THAT(names,
              ::testing::IsSupersetOf({"lab::twice<int>(int)", "lab::twice<double>(double)",
                                       "lab::describe<bool>(bool)", "lab::scale<3>(int)",
                                       "lab::Box<long>::get() const", "lab::Box<long>::set(long)",
                                       "lab::count<int, char, long>(int, char, long)"}));
  // Each once: the explicit instantiations and the calls of the same
  // instantiation in the file are one function.
  EXPECT_EQ(std::count(names.begin(), names.end(), "lab::twice<int>(int)"), 1);
}

}  // namespace
