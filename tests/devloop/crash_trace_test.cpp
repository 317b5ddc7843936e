// The crash report from both ends: written as a dying program's handler
// writes it (system calls alone), read and named as softpatch run names it.
#include "softpatch/devloop/crash_trace.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "softpatch/protocol/crash_report.h"

namespace {

namespace protocol = softpatch::protocol;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

// A function of this test with a local symbol (not exported), for the report
// to name.
__attribute__((noinline)) int named_in_a_crash(int x) {
  asm volatile("" ::: "memory");
  return x * 3 + 1;
}

class CrashTraceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/softpatch-crash-trace-XXXXXX";
    int fd = mkstemp(pattern);
    ASSERT_GE(fd, 0);
    close(fd);
    path_ = pattern;
  }
  void TearDown() override { unlink(path_.c_str()); }

  // A report of this very process, as its handler would write it.
  void write_report(void* const* frames, int count, const protocol::LoadedPatchNote* patches,
                    int patch_count) {
    int fd = open(path_.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    protocol::write_crash_report(fd, SIGSEGV, frames, count, patches, patch_count);
    close(fd);
  }

  std::string path_;
};

TEST_F(CrashTraceTest, NamesAFunctionOfTheProgramFromItsSymbolTable) {
  void* frames[] = {reinterpret_cast<void*>(&named_in_a_crash)};
  write_report(frames, 1, nullptr, 0);
  softpatch::Result<softpatch::driver::CrashTrace> trace =
      softpatch::driver::read_crash_trace(path_);
  ASSERT_TRUE(trace) << trace.error();
  EXPECT_EQ(trace->signal, SIGSEGV);
  ASSERT_EQ(trace->frames.size(), 1u);
  EXPECT_THAT(
      trace->frames[0],
      MatchesRegex(
          R"(  #0 \(anonymous namespace\)::named_in_a_crash\(int\)\+0x0 \(crash_trace_test\))"));
  EXPECT_TRUE(trace->patches.empty());
}

TEST_F(CrashTraceTest, AFileReplacedSinceTheCrashDoesNotNameItsFrames) {
  // A program rebuilt after it crashed: the file at its path is another
  // one, whose symbols would give wrong names.
  void* frames[] = {reinterpret_cast<void*>(&named_in_a_crash)};
  write_report(frames, 1, nullptr, 0);
  std::stringstream text;
  text << std::ifstream(path_).rdbuf();
  softpatch::Result<protocol::CrashReport> report = protocol::parse_crash_report(text.str());
  ASSERT_TRUE(report) << report.error();
  for (protocol::CrashReport::Mapping& mapping : report->mappings) ++mapping.inode;
  softpatch::driver::CrashTrace trace = softpatch::driver::trace_of(*report);
  ASSERT_EQ(trace.frames.size(), 1u);
  EXPECT_THAT(trace.frames[0], Not(HasSubstr("named_in_a_crash")));
  EXPECT_THAT(trace.frames[0], HasSubstr("(crash_trace_test, rebuilt since)"));
}

TEST_F(CrashTraceTest, AFrameInAPatchNamesThePatchAndItsFile) {
  // This test's own executable stands for the patch file it was loaded from.
  char self[4096] = {};
  ASSERT_GT(readlink("/proc/self/exe", self, sizeof self - 1), 0);
  protocol::LoadedPatchNote patch{3, "src/store.cpp", self};
  void* frames[] = {reinterpret_cast<void*>(&named_in_a_crash),
                    reinterpret_cast<void*>(&named_in_a_crash)};
  write_report(frames, 2, &patch, 1);
  softpatch::Result<softpatch::driver::CrashTrace> trace =
      softpatch::driver::read_crash_trace(path_);
  ASSERT_TRUE(trace) << trace.error();
  ASSERT_EQ(trace->frames.size(), 2u);
  EXPECT_THAT(trace->frames[0], HasSubstr("named_in_a_crash(int)+0x0 (patch 3, src/store.cpp)"));
  // A return address is named by the byte before it: here, the function before.
  EXPECT_THAT(trace->frames[1], ::testing::Not(HasSubstr("named_in_a_crash(int)+0x0")));
  ASSERT_EQ(trace->patches.size(), 1u);
  EXPECT_EQ(trace->patches[0], (std::pair<int, std::string>{3, "src/store.cpp"}));
}

TEST_F(CrashTraceTest, SaysWhichProcessWroteIt) {
  void* frames[] = {reinterpret_cast<void*>(&named_in_a_crash)};
  write_report(frames, 1, nullptr, 0);
  softpatch::Result<softpatch::driver::CrashTrace> trace =
      softpatch::driver::read_crash_trace(path_);
  ASSERT_TRUE(trace) << trace.error();
  EXPECT_EQ(trace->pid, getpid());
}

TEST_F(CrashTraceTest, APatchWhoseNamesHoldSpacesIsStillNamed) {
  char self[4096] = {};
  ASSERT_GT(readlink("/proc/self/exe", self, sizeof self - 1), 0);
  protocol::LoadedPatchNote patch{5, "src/my logic.cpp", self};
  void* frames[] = {reinterpret_cast<void*>(&named_in_a_crash)};
  write_report(frames, 1, &patch, 1);
  softpatch::Result<softpatch::driver::CrashTrace> trace =
      softpatch::driver::read_crash_trace(path_);
  ASSERT_TRUE(trace) << trace.error();
  EXPECT_THAT(trace->frames[0], HasSubstr("(patch 5, src/my logic.cpp)"));
}

TEST_F(CrashTraceTest, AnAddressNoFileMapsIsShownBare) {
  void* frames[] = {reinterpret_cast<void*>(0x10)};
  write_report(frames, 1, nullptr, 0);
  softpatch::Result<softpatch::driver::CrashTrace> trace =
      softpatch::driver::read_crash_trace(path_);
  ASSERT_TRUE(trace) << trace.error();
  EXPECT_EQ(trace->frames, std::vector<std::string>{"  #0 0x10 (?)"});
}

TEST(CrashReport, IsReadLineByLineAndTrustsNothing) {
  softpatch::Result<protocol::CrashReport> report = protocol::parse_crash_report(
      "signal 6\nframe 0x7f0000000010\npatch 2 src/a.cpp /run/p/1-loaded-1-ab.so\nmaps\n"
      "7f0000000000-7f0000001000 r-xp 00002000 08:01 99 /run/p/1-loaded-1-ab.so (deleted)\n"
      "7ffc0000-7ffd0000 rw-p 00000000 00:00 0 [stack]\n"
      "not a mapping at all\n");
  ASSERT_TRUE(report) << report.error();
  EXPECT_EQ(report->signal, 6);
  ASSERT_EQ(report->mappings.size(), 1u);
  const protocol::CrashReport::Mapping* m = report->mapping_of(0x7f0000000010);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->path, "/run/p/1-loaded-1-ab.so");
  EXPECT_EQ(m->file_offset, 0x2000u);
  ASSERT_NE(report->patch_loaded_from(m->path), nullptr);
  EXPECT_EQ(report->patch_loaded_from(m->path)->number, 2);
  EXPECT_EQ(report->mapping_of(0x10), nullptr);

  // A short path (as long as " (deleted)") and a patch whose names hold spaces.
  softpatch::Result<protocol::CrashReport> short_path = protocol::parse_crash_report(
      "pid 41\nsignal 11\npatch 7 my%20logic.cpp /run/my%20dir/p.so\nmaps\n"
      "00400000-00401000 r-xp 00000000 08:01 12 /tmp/prog\n");
  ASSERT_TRUE(short_path) << short_path.error();
  EXPECT_EQ(short_path->pid, 41);
  ASSERT_EQ(short_path->mappings.size(), 1u);
  EXPECT_EQ(short_path->mappings[0].path, "/tmp/prog");
  ASSERT_EQ(short_path->patches.size(), 1u);
  EXPECT_EQ(short_path->patches[0].project_file, "my logic.cpp");
  EXPECT_EQ(short_path->patches[0].loaded_path, "/run/my dir/p.so");

  for (const char* bad :
       {"", "frame 0x1\n", "signal x\n", "signal 11\nframe zz\n", "signal 11\nwhat\n",
        "signal 11\npatch 1\n", "signal 11 12\n", "signal 11\nframe 0x1 0x2\n",
        "signal 11\npatch 3000000000 a.cpp /p.so\n", "signal 11\npatch 1 a.cpp /p.so more\n",
        "signal 11\npatch 1 a%2.cpp /p.so\n", "pid 0\nsignal 11\n", "signal 0\n"}) {
    softpatch::Result<protocol::CrashReport> refused = protocol::parse_crash_report(bad);
    ASSERT_FALSE(refused) << bad;
    EXPECT_THAT(refused.error(), HasSubstr("a malformed crash report")) << bad;
  }
  softpatch::Result<softpatch::driver::CrashTrace> none =
      softpatch::driver::read_crash_trace("/nonexistent/softpatch.crash");
  ASSERT_FALSE(none);
  EXPECT_THAT(none.error(), HasSubstr("no crash report"));
}

}  // namespace
