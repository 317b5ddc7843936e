// Precompiled preambles for patch builds: made once, used while fresh,
// dropped when a header they were built from changes.
#include "softpatch/compile/compiler_preamble.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
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
  // A build still going (the test failed, or the machine is slow) is waited
  // for, then killed: nothing of the test's is left running.
  void TearDown() override {
    await_builds();
    kill_processes_naming(dir_.string() + "/");
    fs::remove_all(dir_);
  }

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

  // Builds in progress: their locks ("<entry>.building", removed when the
  // build ends, made or not).
  int builds() const {
    int count = 0;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(dir_ / "cache" / "patch-preambles", error))
      count += entry.path().extension() == ".building";
    return count;
  }
  // Waits until no build runs; false if one still does after a long while
  // (it runs at low priority: on a busy machine it gets little time).
  bool await_builds() const {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
    while (builds() > 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return builds() == 0;
  }
  // The detached builds are in sessions of their own; their command lines
  // name this test's directory, which no other process knows.
  static void kill_processes_naming(const std::string& text) {
    for (const auto& entry : fs::directory_iterator("/proc")) {
      std::string name = entry.path().filename();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      std::ifstream in(entry.path() / "cmdline");
      std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (cmdline.find(text) != std::string::npos) kill(std::stoi(name), SIGKILL);
    }
  }

  // The entry for `source`, once the detached build started before has ended.
  CompilerPreamble ready(const std::string& source) const {
    EXPECT_TRUE(await_builds()) << "the preamble's build did not end";
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
  // Nothing was started, nor will be: not even the cache's directory is made.
  EXPECT_FALSE(fs::exists(dir_ / "cache" / "patch-preambles"));
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
