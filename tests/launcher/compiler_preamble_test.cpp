// Precompiled preambles for patch builds: made once, used while fresh,
// dropped when a header they were built from changes.
#include "softpatch/compile/compiler_preamble.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "softpatch/common/subprocess.h"

namespace {

namespace fs = std::filesystem;
using softpatch::driver::CompilerPreamble;

class CompilerPreambles : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/softpatch-preamble-XXXXXX";
    dir_ = mkdtemp(pattern);
    std::ofstream(dir_ / "shape.h") << "#pragma once\nstruct Shape { int sides; };\n";
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A patch source as the rewriter writes one: prologue, #line 1, the file.
  std::string patch_source(const std::string& preamble) const {
    return "#include <cstddef>\n#line 1 \"shape.cpp\"\n" + preamble +
           "int sides(const Shape& s) { return s.sides; }\n";
  }
  std::vector<std::string> compile() const { return {"c++", "-I" + dir_.string(), "-fPIC"}; }
  std::string cache() const { return (dir_ / "cache").string(); }

  // Compiles `source` as the patch build does, with the preamble when usable.
  int compile_with(const CompilerPreamble& preamble) const {
    std::ofstream(dir_ / "patch.cpp") << preamble.source_using_it();
    std::vector<std::string> command = compile();
    for (const std::string& arg : preamble.include_arguments()) command.push_back(arg);
    command.insert(command.end(),
                   {"-c", (dir_ / "patch.cpp").string(), "-o", (dir_ / "patch.o").string()});
    return softpatch::driver::run_process(command, softpatch::driver::Stderr::kCapture).status;
  }

  // The entry for `source`, once its detached build has made it.
  CompilerPreamble ready(const std::string& source) const {
    for (int i = 0; i < 600; ++i) {
      CompilerPreamble entry(cache(), compile(), source);
      if (entry.usable()) return entry;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return CompilerPreamble(cache(), compile(), source);
  }

  fs::path dir_;
};

TEST_F(CompilerPreambles, BuiltOnceThenUsedUntilAHeaderChanges) {
  std::string source = patch_source("#include \"shape.h\"\n#include <string>\n");
  {
    CompilerPreamble first(cache(), compile(), source);
    EXPECT_FALSE(first.usable());
    first.start();
  }
  CompilerPreamble second = ready(source);
  ASSERT_TRUE(second.usable());
  std::string blanked = second.source_using_it();
  EXPECT_EQ(blanked.find("#include \"shape.h\""), std::string::npos);
  EXPECT_EQ(std::count(blanked.begin(), blanked.end(), '\n'),
            std::count(source.begin(), source.end(), '\n'));  // lines keep their numbers
  EXPECT_EQ(compile_with(second), 0);

  // A header it was built from changes: the entry is not used again.
  std::ofstream(dir_ / "shape.h") << "#pragma once\nstruct Shape { long sides; };\n";
  struct timespec later[2] = {{0, UTIME_OMIT}, {time(nullptr) + 10, 0}};
  utimensat(AT_FDCWD, (dir_ / "shape.h").c_str(), later, 0);
  CompilerPreamble stale(cache(), compile(), source);
  EXPECT_FALSE(stale.usable());
}

TEST_F(CompilerPreambles, PreamblesWithMoreThanIncludesAreLeftAlone) {
  std::string source = patch_source("#define SIDES 4\n#include \"shape.h\"\n");
  CompilerPreamble preamble(cache(), compile(), source);
  preamble.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_FALSE(CompilerPreamble(cache(), compile(), source).usable());
  EXPECT_EQ(preamble.source_using_it(), source);
}

TEST_F(CompilerPreambles, ABuildWithItsOwnPrecompiledHeaderIsLeftAlone) {
  std::string source = patch_source("#include \"shape.h\"\n");
  std::vector<std::string> with_pch = compile();
  with_pch.insert(with_pch.end(), {"-include", "cmake_pch.hxx"});
  CompilerPreamble preamble(cache(), with_pch, source);
  preamble.start();
  EXPECT_FALSE(fs::exists(dir_ / "cache" / "patch-preambles"));
}

}  // namespace
