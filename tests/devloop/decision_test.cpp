// The dev loop's decision for each kind of change, without files or
// processes: patch, or rebuild and restart naming why and with which build.
#include "softpatch/devloop/decision.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace {

using softpatch::driver::Action;
using softpatch::driver::ChangedFile;
using softpatch::driver::decide;
using softpatch::driver::Decision;
using softpatch::driver::LoopState;
using ::testing::ElementsAre;

const LoopState kRunning{true, false, "cmake --build build"};

ChangedFile built(const std::string& path) { return {path, true, true}; }

TEST(Decision, ASourceTheBuildCompilesIsPatched) {
  Decision d = decide({built("src/a.cpp"), built("src/b.cc")}, kRunning);
  EXPECT_EQ(d.action, Action::kPatch);
  EXPECT_THAT(d.files, ElementsAre("src/a.cpp", "src/b.cc"));
  EXPECT_EQ(d.reason, "");
}

TEST(Decision, EachOtherKindOfChangeRestartsSayingWhy) {
  struct Case {
    ChangedFile file;
    const char* reason;
  } cases[] = {
      {{"include/store.h", true, false}, "header changed"},
      {{"include/store.hpp", true, false}, "header changed"},
      {{"src/impl.ipp", true, false}, "header changed"},
      {{"CMakeLists.txt", true, false}, "build files changed"},
      {{"cmake/deps.cmake", true, false}, "build files changed"},
      {{"src/a.cpp", false, true}, "file removed"},
      {{"data/config.json", true, false}, "not C++ source"},
  };
  for (const Case& c : cases) {
    Decision d = decide({c.file}, kRunning);
    EXPECT_EQ(d.action, Action::kRestart) << c.file.path;
    EXPECT_EQ(d.reason, c.reason) << c.file.path;
    EXPECT_THAT(d.files, ElementsAre(c.file.path));
    EXPECT_EQ(d.build_command, "cmake --build build");
  }
}

TEST(Decision, AHeaderAFileOfTheBuildInstrumentsIsPatched) {
  ChangedFile header{"include/store.h", true, false, true};
  Decision d = decide({header, built("src/a.cpp")}, kRunning);
  EXPECT_EQ(d.action, Action::kPatch);
  EXPECT_THAT(d.files, ElementsAre("include/store.h", "src/a.cpp"));
  ChangedFile removed{"include/store.h", false, false, true};
  EXPECT_EQ(decide({removed}, kRunning).reason, "file removed");
}

TEST(Decision, OneFileThatNeedsARestartRestartsForTheBatchNamingOnlyIt) {
  Decision d =
      decide({built("src/a.cpp"), {"include/a.h", true, false}, built("src/b.cpp")}, kRunning);
  EXPECT_EQ(d.action, Action::kRestart);
  EXPECT_EQ(d.reason, "header changed");
  EXPECT_THAT(d.files, ElementsAre("include/a.h"));
}

TEST(Decision, TheFirstReasonIsTheOneGiven) {
  Decision d = decide({{"CMakeLists.txt", true, false}, {"include/a.h", true, false}}, kRunning);
  EXPECT_EQ(d.reason, "build files changed");
  EXPECT_THAT(d.files, ElementsAre("CMakeLists.txt", "include/a.h"));
}

TEST(Decision, AProgramThatIsNotRunningIsBuiltAndStartedAgain) {
  Decision d = decide({built("src/a.cpp")}, {false, false, "make"});
  EXPECT_EQ(d.action, Action::kRestart);
  EXPECT_EQ(d.reason, "not running");
  EXPECT_THAT(d.files, ElementsAre("src/a.cpp"));
  EXPECT_EQ(d.build_command, "make");
}

TEST(Decision, ACppFileTheBuildDoesNotCompileIsLeftAlone) {
  Decision alone = decide({{"src/stray.cpp", true, false}}, kRunning);
  EXPECT_EQ(alone.action, Action::kIgnore);
  EXPECT_THAT(alone.ignored, ElementsAre("src/stray.cpp"));
  EXPECT_THAT(alone.files, ElementsAre());

  Decision with_others = decide({{"src/stray.cpp", true, false}, built("src/a.cpp")}, kRunning);
  EXPECT_EQ(with_others.action, Action::kPatch);
  EXPECT_THAT(with_others.files, ElementsAre("src/a.cpp"));
  EXPECT_THAT(with_others.ignored, ElementsAre("src/stray.cpp"));
}

TEST(Decision, WithoutACompileDatabaseNoFileIsOutsideTheBuild) {
  Decision d = decide({{"src/a.cpp", true, false}}, {true, false, "make", false});
  EXPECT_EQ(d.action, Action::kPatch);  // tried; a patch that cannot be built restarts
  EXPECT_THAT(d.ignored, ElementsAre());
}

TEST(Decision, WithNoBuildCommandACppChangeNeverRestartsTheSameBinary) {
  const LoopState no_build{true, false, ""};
  for (ChangedFile file :
       {ChangedFile{"include/a.h", true, false}, ChangedFile{"CMakeLists.txt", true, false},
        ChangedFile{"src/a.cpp", false, true}}) {
    Decision d = decide({file}, no_build);
    EXPECT_EQ(d.action, Action::kNeedsBuild) << file.path;
    EXPECT_THAT(d.files, ElementsAre(file.path));
  }
  Decision stopped = decide({built("src/a.cpp")}, {false, false, ""});
  EXPECT_EQ(stopped.action, Action::kNeedsBuild);
  EXPECT_EQ(stopped.reason, "not running");
  // A plain restarter of a script needs no build.
  Decision script = decide({{"server.py", true, false}}, {true, true, ""});
  EXPECT_EQ(script.action, Action::kRestart);
  EXPECT_EQ(script.reason, "changed");
}

TEST(Decision, NoPatchRestartsForEveryChange) {
  Decision d = decide({built("src/a.cpp")}, {true, true, "make"});
  EXPECT_EQ(d.action, Action::kRestart);
  EXPECT_EQ(d.reason, "changed");
  EXPECT_EQ(d.build_command, "make");
}

TEST(Decision, ACompileErrorGoesOnButARefusalRestarts) {
  using softpatch::driver::after_patch;
  using softpatch::driver::PatchOutcome;
  EXPECT_EQ(after_patch(PatchOutcome::kApplied), Action::kPatch);
  EXPECT_EQ(after_patch(PatchOutcome::kDoesNotCompile), Action::kPatch);
  EXPECT_EQ(after_patch(PatchOutcome::kNeedsRestart), Action::kRestart);
}

}  // namespace
