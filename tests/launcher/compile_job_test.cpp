// How softpatch-cc reads a compiler command line.
#include "softpatch/compile/compile_job.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace {

using softpatch::driver::CompileJob;
using ::testing::ElementsAre;

TEST(CompileJob, ReadsWhatCMakePasses) {
  auto job =
      CompileJob::from_command({"/usr/bin/g++", "-DX", "-isystem", "/inc", "-O2", "-MD", "-MT",
                                "a.o", "-MF", "a.o.d", "-o", "obj/a.o", "-c", "/src/a.cpp"});
  ASSERT_TRUE(job);
  EXPECT_EQ(job->source(), "/src/a.cpp");
  EXPECT_EQ(job->object, "obj/a.o");
  EXPECT_EQ(job->depfile, "a.o.d");
  EXPECT_EQ(job->compiling("/tmp/copy.cpp")[13], "/tmp/copy.cpp");
}

TEST(CompileJob, JoinedForms) {
  auto job = CompileJob::from_command({"g++", "-c", "a.cc", "-oout.o", "-MD", "-MFdeps.d"});
  ASSERT_TRUE(job);
  EXPECT_EQ(job->object, "out.o");
  EXPECT_EQ(job->depfile, "deps.d");
}

TEST(CompileJob, WithoutOutputOptionTheObjectKeepsItsUsualName) {
  auto job = CompileJob::from_command({"g++", "-MD", "-c", "dir/a.cpp"});
  ASSERT_TRUE(job);
  EXPECT_EQ(job->object, "a.o");
  EXPECT_EQ(job->depfile, "a.d");
  EXPECT_THAT(job->compiling("a.o.softpatch.cpp"),
              ElementsAre("g++", "-MD", "-c", "a.o.softpatch.cpp", "-o", "a.o"));
}

TEST(CompileJob, PreprocessorDepfileOption) {
  auto job = CompileJob::from_command({"g++", "-Wp,-MD,build/a.d", "-c", "a.cpp", "-o", "a.o"});
  ASSERT_TRUE(job);
  EXPECT_EQ(job->depfile, "build/a.d");
}

TEST(CompileJob, OptionValuesAreNotInputs) {
  auto job = CompileJob::from_command({"clang++", "-mllvm", "-x86-asm-syntax=intel", "--param",
                                       "max-inline-insns-single=10", "-L", "lib", "-c", "a.cpp"});
  ASSERT_TRUE(job);
  EXPECT_EQ(job->source(), "a.cpp");
}

TEST(CompileJob, EverythingElsePassesThrough) {
  EXPECT_FALSE(CompileJob::from_command({"g++", "a.o", "b.o", "-o", "prog"}));         // link
  EXPECT_FALSE(CompileJob::from_command({"g++", "-E", "a.cpp"}));                      // preprocess
  EXPECT_FALSE(CompileJob::from_command({"g++", "-S", "a.cpp"}));                      // assembly
  EXPECT_FALSE(CompileJob::from_command({"gcc", "-c", "a.c"}));                        // C
  EXPECT_FALSE(CompileJob::from_command({"g++", "-x", "c", "-c", "a.cpp"}));           // told C
  EXPECT_FALSE(CompileJob::from_command({"g++", "-x", "c++-header", "-c", "p.hxx"}));  // PCH
  EXPECT_FALSE(CompileJob::from_command({"g++", "-c", "a.cpp", "b.cpp"}));  // two sources
  EXPECT_FALSE(CompileJob::from_command({"g++", "-fsyntax-only", "-c", "a.cpp"}));
}

TEST(CompileJob, ResponseFilesAreExpanded) {
  char path[] = "/tmp/softpatch-rsp-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  std::ofstream(path) << "-DX=1 -c src/a.cpp -o a.o\n";
  auto job = CompileJob::from_command({"g++", std::string("@") + path});
  std::remove(path);
  ASSERT_TRUE(job);
  EXPECT_EQ(job->source(), "src/a.cpp");
  EXPECT_EQ(job->object, "a.o");
}

}  // namespace
