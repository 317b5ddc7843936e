// Mocks of functions that several modules have a slot of (a header's
// function in a library opened with RTLD_LOCAL, a header template's
// instantiation, hidden in each module): one mock reaches the calls of
// every module, and its pass-through runs the calling module's own code.
#include <dlfcn.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>

#include "softpatch/mock.h"
#include "softpatch/registry.h"
#include "tally.h"

int tally_linked_doubled(int x);  // in tally_linked.cpp

namespace {

// One of the libraries, opened for the test's duration.
class Library {
 public:
  Library(const char* path, const std::string& entry)
      : handle_(dlopen(path, RTLD_NOW | RTLD_LOCAL)) {
    if (!handle_) return;
    doubled = reinterpret_cast<long (*)(long)>(dlsym(handle_, (entry + "_doubled").c_str()));
    in_libraries =
        reinterpret_cast<int (*)(int)>(dlsym(handle_, (entry + "_in_libraries").c_str()));
    calls = reinterpret_cast<int (*)()>(dlsym(handle_, (entry + "_calls").c_str()));
    counted = reinterpret_cast<int (*)(int)>(dlsym(handle_, (entry + "_counted").c_str()));
  }
  ~Library() {
    if (handle_) dlclose(handle_);
  }
  Library(const Library&) = delete;
  Library& operator=(const Library&) = delete;
  bool loaded() const { return handle_ && doubled && in_libraries && calls && counted; }

  long (*doubled)(long) = nullptr;
  int (*in_libraries)(int) = nullptr;
  int (*calls)() = nullptr;
  int (*counted)(int) = nullptr;

 private:
  void* handle_;
};

class ModulesMock : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(a.loaded()) << dlerror();
    softpatch::Result<softpatch::Function> doubled =
        softpatch::find_function("tally::doubled<long>(long)");
    ASSERT_TRUE(doubled) << doubled.error();
    ASSERT_EQ(softpatch::other_slots_of(*doubled).size(), 1u)
        << "the library is expected to keep a slot of its own";
  }
  Library a{MOCK_TALLY_A, "tally_a"};
};

TEST_F(ModulesMock, AMockOfATemplatesInstantiationReachesTheCallsOfEveryModule) {
  {
    auto guard = softpatch::mock<&tally::doubled<long>>([](long x) { return -x; });
    EXPECT_EQ(tally::doubled(5L), -5);
    EXPECT_EQ(a.doubled(6), -6);
    EXPECT_EQ(tally::doubled(5), 10) << "doubled<int> is another function";
  }
  EXPECT_EQ(tally::doubled(5L), 10);
  EXPECT_EQ(a.doubled(6), 12) << "the library's slot is given back when the mock ends";
}

TEST_F(ModulesMock, ASpyPassesEachCallToTheCallingModulesOwnCode) {
  int program_before = tally::calls, library_before = a.calls();
  auto spy = softpatch::spy<&tally::doubled<long>>();
  EXPECT_EQ(a.doubled(1), 2);
  EXPECT_EQ(a.doubled(2), 4);
  EXPECT_EQ(tally::doubled(3L), 6);
  EXPECT_EQ(spy.count(), 3u);
  EXPECT_EQ(a.calls() - library_before, 2) << "the library's calls ran the library's copy";
  EXPECT_EQ(tally::calls - program_before, 1);
}

TEST_F(ModulesMock, CallingTheOriginalFromAReplacementRunsTheCallersCopy) {
  int program_before = tally::calls, library_before = a.calls();
  auto guard = softpatch::mock<&tally::doubled<long>>(
      [](long x) { return softpatch::call_original<&tally::doubled<long>>(x) + 1; });
  EXPECT_EQ(a.doubled(4), 9);
  EXPECT_EQ(a.calls() - library_before, 1);
  EXPECT_EQ(tally::calls, program_before);
}

TEST_F(ModulesMock, APassThroughRunsTheCopyThatReadsTheSlotItBypasses) {
  // The linked library's slot comes first and no call reads it: a spy must
  // bypass the program's slot, whose copy it calls, or it would call itself.
  softpatch::Result<softpatch::Function> doubled =
      softpatch::find_function("tally::doubled<int>(int)");
  ASSERT_TRUE(doubled) << doubled.error();
  ASSERT_EQ(softpatch::other_slots_of(*doubled).size(), 1u);
  auto spy = softpatch::spy<&tally::doubled<int>>();
  EXPECT_EQ(tally::doubled(4), 8);
  EXPECT_EQ(tally_linked_doubled(5), 10);
  EXPECT_EQ(spy.count(), 2u);
  auto guard = softpatch::mock<&tally::doubled<int>>(
      [](int x) { return softpatch::call_original<&tally::doubled<int>>(x) + 1; });
  EXPECT_EQ(tally_linked_doubled(5), 11);
}

TEST_F(ModulesMock, AMockByNameReachesEveryModule) {
  auto guard =
      softpatch::mock_by_name<long(long)>("tally::doubled<long>(long)", [](long) { return 7L; });
  EXPECT_EQ(tally::doubled(1L), 7);
  EXPECT_EQ(a.doubled(1), 7);
}

TEST_F(ModulesMock, APerThreadMockLeavesOtherThreadsOfEveryModuleAlone) {
  auto guard =
      softpatch::mock<&tally::doubled<long>>(softpatch::this_thread, [](long) { return 0L; });
  EXPECT_EQ(a.doubled(1), 0);
  long elsewhere = -1;
  std::thread([&] { elsewhere = a.doubled(1); }).join();
  EXPECT_EQ(elsewhere, 2);
}

// A header function (no template) that a library built with hidden
// visibility keeps its own copy of, with its own `calls`: that library has
// a slot of its own, and a call the spy passes on runs that library's copy.
TEST_F(ModulesMock, ASpyOfAHeaderFunctionRunsTheCallingLibrarysOwnCopy) {
  softpatch::Result<softpatch::Function> counted = softpatch::find_function("tally::counted(int)");
  ASSERT_TRUE(counted) << counted.error();
  EXPECT_EQ(softpatch::other_slots_of(*counted).size(), 1u)
      << "the library is expected to keep a slot of its own";
  int program_before = tally::calls, library_before = a.calls();
  auto spy = softpatch::spy<&tally::counted>();
  EXPECT_EQ(a.counted(1), 2);
  EXPECT_EQ(a.counted(2), 3);
  EXPECT_EQ(tally::counted(3), 4);
  EXPECT_EQ(spy.count(), 3u);
  EXPECT_EQ(a.calls() - library_before, 2) << "the library's calls ran the library's copy";
  EXPECT_EQ(tally::calls - program_before, 1);
}

TEST_F(ModulesMock, AFunctionOfTwoLibrariesOnlyIsMockedInBoth) {
  Library b(MOCK_TALLY_B, "tally_b");
  ASSERT_TRUE(b.loaded()) << dlerror();
  {
    auto guard =
        softpatch::mock_by_name<int(int)>("tally::in_libraries(int)", [](int) { return 50; });
    EXPECT_EQ(a.in_libraries(1), 50);
    EXPECT_EQ(b.in_libraries(1), 50);
  }
  EXPECT_EQ(a.in_libraries(1), 0);
  EXPECT_EQ(b.in_libraries(1), 0);
}

TEST_F(ModulesMock, ALibraryOpenedAfterTheFunctionsFirstMockIsReachedByTheNextOne) {
  {
    auto first = softpatch::mock<&tally::doubled<long>>([](long) { return 1L; });
  }
  Library b(MOCK_TALLY_B, "tally_b");
  ASSERT_TRUE(b.loaded()) << dlerror();
  {
    auto guard = softpatch::mock<&tally::doubled<long>>([](long) { return 5L; });
    EXPECT_EQ(a.doubled(1), 5);
    EXPECT_EQ(b.doubled(1), 5);
    EXPECT_EQ(tally::doubled(1L), 5);
  }
  EXPECT_EQ(b.doubled(1), 2);
}

TEST_F(ModulesMock, AMockEndingAfterALibraryClosedGivesTheOtherSlotsBack) {
  auto b = std::make_unique<Library>(MOCK_TALLY_B, "tally_b");
  ASSERT_TRUE(b->loaded()) << dlerror();
  {
    auto guard = softpatch::mock<&tally::doubled<long>>([](long) { return 5L; });
    EXPECT_EQ(b->doubled(1), 5);
    b.reset();  // its slot goes while mocked
    EXPECT_EQ(a.doubled(1), 5);
  }
  EXPECT_EQ(a.doubled(1), 2);
  EXPECT_EQ(tally::doubled(1L), 2);
}

}  // namespace
