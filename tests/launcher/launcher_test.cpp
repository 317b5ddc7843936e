// softpatch-cc end to end: real compilers, real files, real programs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "read_file.h"
#include "softpatch/common/subprocess.h"

namespace {

namespace fs = std::filesystem;
using softpatch::driver::ProcessResult;
using softpatch::driver::run_process;
using softpatch::driver::Stderr;
using ::testing::HasSubstr;
using ::testing::Not;

using softpatch::testing::read_file;

class Launcher : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/softpatch-launcher-XXXXXX";
    dir_ = mkdtemp(pattern);
    // A cache of this test's own, not the user's.
    setenv("SOFTPATCH_CACHE_DIR", (dir_ / "cache").c_str(), 1);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& code) {
    fs::path path = dir_ / name;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << code;
    return path.string();
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  const std::string& compiler() const { return GetParam(); }

  // softpatch-cc --root=<dir> <compiler> args...
  ProcessResult launch(std::vector<std::string> args) {
    args.insert(args.begin(), {SOFTPATCH_CC, "--root=" + dir_.string(), compiler()});
    return run_process(args, Stderr::kCapture);
  }
  ProcessResult plain(std::vector<std::string> args) {
    args.insert(args.begin(), compiler());
    return run_process(args, Stderr::kCapture);
  }
  ProcessResult link(const std::string& object, const std::string& program) {
    return run_process({compiler(), object, "-o", path(program), SOFTPATCH_RUNTIME_LIBRARY,
                        "-Wl,-rpath," + fs::path(SOFTPATCH_RUNTIME_LIBRARY).parent_path().string()},
                       Stderr::kCapture);
  }

  fs::path dir_;
};

const char* const kTwoFunctions =
    "int helper(int x) { return x + 1; }\n"
    "int main() { return helper(-1); }\n";

TEST_P(Launcher, InstrumentsASingleSourceCompile) {
  std::string source = write("a.cpp", kTwoFunctions);
  ProcessResult r = launch({"-c", source, "-o", path("a.o")});
  ASSERT_EQ(r.status, 0) << r.error_text;
  EXPECT_EQ(r.error_text, "");  // quiet when all is well
  EXPECT_TRUE(fs::exists(path("a.o")));
  EXPECT_THAT(read_file(path("a.o.softpatch.cpp")), HasSubstr("__softpatch_slots[0]"));
  ProcessResult linked = link(path("a.o"), "a");
  ASSERT_EQ(linked.status, 0) << linked.error_text;
  EXPECT_EQ(run_process({path("a")}, Stderr::kCapture).status, 0);
}

TEST_P(Launcher, ParsesWithTheCompilersDefaultStandard) {
  // No -std: g++ 12 means C++17, clang++ 14 C++14; the parse must agree.
  std::string source = write("std.cpp",
                             "#include <utility>\n"
                             "#if __cplusplus >= 201703L\n"
                             "#include <optional>\n"
                             "std::optional<int> maybe(int x) { return x; }\n"
                             "#else\n"
                             "int maybe(int x) { return x; }\n"
                             "#endif\n");
  ProcessResult r = launch({"-c", source, "-o", path("std.o")});
  ASSERT_EQ(r.status, 0) << r.error_text;
  EXPECT_EQ(r.error_text, "");
  EXPECT_THAT(read_file(path("std.o.softpatch.cpp")), HasSubstr("__softpatch_slots[0]"));
}

TEST_P(Launcher, PassesEverythingElseThrough) {
  std::string source = write("a.cpp", kTwoFunctions);
  std::string c_source = write("c.c", "int f(void) { return 1; }\n");
  EXPECT_EQ(launch({"-E", source, "-o", path("a.ii")}).status, 0);
  EXPECT_THAT(read_file(path("a.ii")), HasSubstr("int helper(int x) { return x + 1; }"));
  ASSERT_EQ(launch({"-x", "c", "-c", c_source, "-o", path("c.o")}).status, 0);
  EXPECT_FALSE(fs::exists(path("c.o.softpatch.cpp")));
  ASSERT_EQ(plain({"-c", source, "-o", path("p.o")}).status, 0);
  ProcessResult linked = launch({path("p.o"), "-o", path("p")});
  EXPECT_EQ(linked.status, 0) << linked.error_text;
  EXPECT_TRUE(fs::exists(path("p")));
}

TEST_P(Launcher, CompileErrorsAreExactlyTheCompilers) {
  std::string source = write("bad.cpp", "int ok() { return 0; }\nint bad() { return nope; }\n");
  ProcessResult ours = launch({"-c", source, "-o", path("bad.o")});
  ProcessResult theirs = plain({"-c", source, "-o", path("bad.o")});
  EXPECT_NE(ours.status, 0);
  EXPECT_EQ(ours.status, theirs.status);
  EXPECT_EQ(ours.error_text, theirs.error_text);
  EXPECT_THAT(ours.error_text, HasSubstr("bad.cpp:2:"));
}

TEST_P(Launcher, WarningsNameTheOriginalFileAndLine) {
  std::string source = write("warn.cpp",
                             "int f(int x) {\n"
                             "  int unused = 3;\n"
                             "  return x;\n"
                             "}\n");
  ProcessResult r = launch({"-Wall", "-c", source, "-o", path("warn.o")});
  ASSERT_EQ(r.status, 0) << r.error_text;
  EXPECT_THAT(r.error_text, HasSubstr(source + ":2:"));
  EXPECT_THAT(r.error_text, HasSubstr("unused"));
  EXPECT_THAT(r.error_text, Not(HasSubstr(".softpatch.cpp")));
  EXPECT_THAT(r.error_text, Not(HasSubstr("softpatch-cc")));
}

TEST_P(Launcher, FallsBackToTheOriginalWithOneWarning) {
  // Clang's parse fails, the real compiler's succeeds.
  std::string source = write("odd.cpp",
                             "#ifdef __clang__\n"
                             "#error parsed by clang\n"
                             "#endif\n"
                             "int f() { return 1; }\n");
  if (compiler().find("clang") != std::string::npos) GTEST_SKIP() << "needs a non-clang compiler";
  ProcessResult r = launch({"-c", source, "-o", path("odd.o")});
  ASSERT_EQ(r.status, 0) << r.error_text;
  EXPECT_TRUE(fs::exists(path("odd.o")));
  EXPECT_THAT(r.error_text, HasSubstr("softpatch-cc: warning: " + source + ": not instrumented: "));
  EXPECT_THAT(r.error_text, HasSubstr("parsed by clang"));
  EXPECT_EQ(std::count(r.error_text.begin(), r.error_text.end(), '\n'), 1);
}

TEST_P(Launcher, FallsBackWhenTheCopyDoesNotCompile) {
  // A file that takes one of the reserved names the inserted code uses.
  std::string source = write("clash.cpp",
                             "#define __softpatch_call nothing\n"
                             "int f(int x) { return x; }\n");
  ProcessResult r = launch({"-c", source, "-o", path("clash.o")});
  ASSERT_EQ(r.status, 0) << r.error_text;
  EXPECT_TRUE(fs::exists(path("clash.o")));
  EXPECT_THAT(r.error_text, HasSubstr("softpatch-cc: warning: " + source +
                                      ": not instrumented: instrumented copy "));
  EXPECT_EQ(std::count(r.error_text.begin(), r.error_text.end(), '\n'), 1);
}

TEST_P(Launcher, AFileWhoseHeadersCopiesDoNotCompileKeepsItsOwnFunctionsInstrumented) {
  // A header that takes a reserved name only its copy's registration uses.
  write("twice.h",
        "#pragma once\n#define __softpatch_h0_functions 0\ninline int twice(int n) { return n * 2; "
        "}\n");
  std::string source =
      write("user.cpp", "#include \"twice.h\"\nint f(int x) { return twice(x); }\n");
  ProcessResult r = launch({"-c", source, "-o", path("user.o")});
  ASSERT_EQ(r.status, 0) << r.error_text;
  EXPECT_TRUE(fs::exists(path("user.o")));
  EXPECT_THAT(r.error_text,
              HasSubstr("softpatch-cc: warning: " + source +
                        ": its headers' functions are not instrumented for this file: "
                        "instrumented copy "));
  EXPECT_THAT(r.error_text, HasSubstr("did not compile (a softpatch bug, please report it)"));
  EXPECT_EQ(std::count(r.error_text.begin(), r.error_text.end(), '\n'), 1) << r.error_text;
  // f keeps its slot; the header is compiled as written, with no copy left
  // beside the object for a header's patch to take this file for.
  std::string text = read_file(path("user.o.softpatch.cpp"));
  EXPECT_THAT(text, HasSubstr("int f(int x) { if ("));
  EXPECT_THAT(text, Not(HasSubstr("softpatch-headers")));
  EXPECT_FALSE(fs::exists(path("user.o.softpatch-headers")));
}

TEST_P(Launcher, ARebuildLeavesNoCopyOfAHeaderTheFileNoLongerIncludes) {
  write("one.h", "#pragma once\ninline int one() { return 1; }\n");
  write("two.h", "#pragma once\ninline int two() { return 2; }\n");
  std::string source = write(
      "both.cpp", "#include \"one.h\"\n#include \"two.h\"\nint f() { return one() + two(); }\n");
  ASSERT_EQ(launch({"-c", source, "-o", path("both.o")}).status, 0);
  auto copies = [&] {
    std::vector<std::string> names;
    for (const fs::directory_entry& entry :
         fs::directory_iterator(path("both.o.softpatch-headers")))
      names.push_back(entry.path().filename().string().substr(17));  // after the hash and '-'
    std::sort(names.begin(), names.end());
    return names;
  };
  EXPECT_THAT(copies(), ::testing::ElementsAre("one.h", "two.h"));
  write("both.cpp", "#include \"one.h\"\nint f() { return one(); }\n");
  ASSERT_EQ(launch({"-c", source, "-o", path("both.o")}).status, 0);
  EXPECT_THAT(copies(), ::testing::ElementsAre("one.h"));
}

TEST_P(Launcher, WithoutOutputOptionTheObjectKeepsItsName) {
  write("plain.cpp", kTwoFunctions);
  ProcessResult r = run_process(
      {"sh", "-c",
       "cd " + dir_.string() + " && " + SOFTPATCH_CC + " --root=. " + compiler() + " -c plain.cpp"},
      Stderr::kCapture);
  ASSERT_EQ(r.status, 0) << r.error_text;
  EXPECT_TRUE(fs::exists(path("plain.o")));
  EXPECT_TRUE(fs::exists(path("plain.o.softpatch.cpp")));
}

TEST_P(Launcher, QuoteIncludesResolveAsForTheOriginal) {
  // src/a.cpp includes "config.h" from its own directory; inc/other.h
  // includes "config.h" too, which only -I gen provides for it.
  write("src/config.h", "#define WHERE 1\n");
  write("gen/config.h", "#define GEN_WHERE 2\n");
  write("inc/other.h", "#include \"config.h\"\n");
  std::string source = write("src/a.cpp",
                             "#include \"config.h\"\n"
                             "#include \"other.h\"\n"
                             "int f() { return WHERE + GEN_WHERE; }\n");
  ProcessResult r = launch({"-I", path("inc"), "-I", path("gen"), "-c", source, "-o", path("a.o")});
  ASSERT_EQ(r.status, 0) << r.error_text;
  EXPECT_EQ(r.error_text, "");
  EXPECT_THAT(read_file(path("a.o.softpatch.cpp")),
              HasSubstr("#include \"" + path("src/config.h")));
}

TEST_P(Launcher, DepfileNamesTheOriginalSource) {
  std::string source = write("dir with space/dep.cpp", kTwoFunctions);
  ProcessResult r =
      launch({"-MD", "-MT", "dep.o", "-MF", path("dep.d"), "-c", source, "-o", path("dep.o")});
  ASSERT_EQ(r.status, 0) << r.error_text;
  std::string depfile = read_file(path("dep.d"));
  EXPECT_THAT(depfile, HasSubstr("dir\\ with\\ space/dep.cpp"));
  EXPECT_THAT(depfile, Not(HasSubstr(".softpatch.cpp")));
}

TEST_P(Launcher, AssertAndLineMacrosReportTheOriginal) {
  std::string source = write("prog.cpp",
                             "#include <cassert>\n"
                             "#include <cstdio>\n"
                             "void check(int n) {\n"
                             "  std::printf(\"%s:%d\\n\", __FILE__, __LINE__);\n"
                             "  std::fflush(stdout); assert(n > 0);\n"
                             "}\n"
                             "int main(int argc, char**) { check(argc - 1); }\n");
  ASSERT_EQ(launch({"-g", "-c", source, "-o", path("prog.o")}).status, 0);
  ASSERT_EQ(link(path("prog.o"), "prog").status, 0);
  std::string out = path("prog.out");
  ProcessResult r = run_process({"sh", "-c", path("prog") + " >" + out}, Stderr::kCapture);
  EXPECT_NE(r.status, 0);
  EXPECT_EQ(read_file(out), source + ":4\n");
  EXPECT_THAT(r.error_text, HasSubstr(source + ":5:"));
  EXPECT_THAT(r.error_text, HasSubstr("Assertion `n > 0' failed"));
}

TEST_P(Launcher, DebuggerBreaksOnTheOriginalLine) {
  if (run_process({"gdb", "--version"}, Stderr::kCapture).status != 0) GTEST_SKIP() << "no gdb";
  std::string source = write("dbg.cpp",
                             "int twice(int x) {\n"
                             "  int y = x * 2;\n"
                             "  return y;\n"
                             "}\n"
                             "int main() { return twice(0); }\n");
  ASSERT_EQ(launch({"-g", "-O0", "-c", source, "-o", path("dbg.o")}).status, 0);
  ASSERT_EQ(link(path("dbg.o"), "dbg").status, 0);
  std::string out = path("gdb.out");
  run_process({"sh", "-c",
               "gdb -batch -nx -ex 'break dbg.cpp:3' -ex run -ex 'info line' " + path("dbg") +
                   " >" + out + " 2>&1"},
              Stderr::kCapture);
  EXPECT_THAT(read_file(out), HasSubstr("Breakpoint 1, twice (x=0) at " + source + ":3"));
}

TEST_P(Launcher, OptOutsCompileTheOriginal) {
  std::string skipped_dir = write("vendor/lib.cpp", kTwoFunctions);
  write("vendor/.softpatch-skip", "");
  std::string skipped_file = write("gen.cpp", "// softpatch: skip-file\nint f() { return 1; }\n");
  ASSERT_EQ(launch({"-c", skipped_dir, "-o", path("lib.o")}).status, 0);
  ASSERT_EQ(launch({"-c", skipped_file, "-o", path("gen.o")}).status, 0);
  EXPECT_TRUE(fs::exists(path("lib.o")));
  EXPECT_FALSE(fs::exists(path("lib.o.softpatch.cpp")));
  EXPECT_FALSE(fs::exists(path("gen.o.softpatch.cpp")));
}

TEST_P(Launcher, FilesOutsideTheRootAreNotInstrumented) {
  std::string source = write("inside.cpp", kTwoFunctions);
  ProcessResult r = run_process({SOFTPATCH_CC, "--root=" + path("elsewhere"), compiler(), "-c",
                                 source, "-o", path("inside.o")},
                                Stderr::kCapture);
  ASSERT_EQ(r.status, 0) << r.error_text;
  EXPECT_FALSE(fs::exists(path("inside.o.softpatch.cpp")));
}

INSTANTIATE_TEST_SUITE_P(Compilers, Launcher, ::testing::Values("g++", "clang++"),
                         [](const auto& info) {
                           return info.param == "g++" ? std::string("gcc") : std::string("clang");
                         });

}  // namespace
