// measure_coverage over a compile database written here: two files that
// include one header, with a relative -I that only their directory resolves.
#include "softpatch/coverage/coverage.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "temp_tree.h"

namespace {

namespace fs = std::filesystem;
using softpatch::driver::Coverage;
using softpatch::driver::Definition;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

class CoverageOfABuild : public ::testing::Test {
 protected:
  CoverageOfABuild() {
    write("include/shelf.h",
          "#pragma once\n"
          "struct Shelf {\n"
          "  Shelf() : n(0) {}\n"
          "  int size() const { return n; }\n"
          "  int n;\n"
          "};\n");
    write("src/a.cpp", "#include <shelf.h>\nint a() { return Shelf().size(); }\n");
    write("src/b.cpp",
          "#include <shelf.h>\n"
          "template <class T> T twice(T x) { return x + x; }\n"
          "int b() { return twice(Shelf().size()); }\n"
          "int over(int x) { return x; } long over(long x) { return x; }\n");
    // softpatch: skip-file is spelled apart, so that this test's own file
    // is not taken for opted out.
    // A directive continued on a second line: d.cpp keeps shelf.h's text.
    write("src/d.cpp", "#include \\\n<shelf.h>\nint d() { return Shelf().size(); }\n");
    write("src/c.cpp", std::string("// softpatch: ") + "skip-file\nint c() { return 3; }\n");
    fs::create_directories(root_ / "build");
    std::ofstream database(root_ / "build/compile_commands.json");
    database << "[\n";
    for (const char* name : {"a", "b", "c", "d"})
      database << (name[0] == 'a' ? "" : ",\n") << "{\"directory\": \"" << root_.string()
               << "\", \"command\": \"g++ -std=c++17 -Iinclude -c src/" << name
               << ".cpp\", \"file\": \"src/" << name << ".cpp\"}";
    database << "\n]\n";
  }
  void write(const std::string& relative, const std::string& code) { tree_.write(relative, code); }

  // The one definition of that name on that line (nullptr for none or two).
  const Definition* definition(const Coverage& coverage, const std::string& file, unsigned line,
                               const std::string& name) {
    const Definition* found = nullptr;
    for (const auto& [key, d] : coverage.definitions)
      if (key == std::tuple(fs::canonical(root_ / file).string(), line, name, std::get<3>(key))) {
        if (found) return nullptr;
        found = &d;
      }
    return found;
  }

  TempTree tree_{"coverage"};
  const fs::path& root_ = tree_.root();
};

TEST_F(CoverageOfABuild, CountsAHeadersFunctionOnceForAllTheFilesThatCompileIt) {
  llvm::Expected<Coverage> coverage =
      softpatch::driver::measure_coverage((root_ / "build").string(), root_.string());
  ASSERT_TRUE(bool(coverage)) << llvm::toString(coverage.takeError());
  EXPECT_TRUE(coverage->failed.empty()) << coverage->failed.front();
  EXPECT_EQ(coverage->files, 4u);
  const Definition* size = definition(*coverage, "include/shelf.h", 4, "Shelf::size");
  ASSERT_NE(size, nullptr);
  EXPECT_EQ(size->compiled, 3u);
  EXPECT_EQ(size->instrumented, 2u);
  EXPECT_THAT(size->reason, HasSubstr("its header is not copied"));
  const Definition* constructor = definition(*coverage, "include/shelf.h", 3, "Shelf::Shelf");
  ASSERT_NE(constructor, nullptr);
  EXPECT_EQ(constructor->instrumented, 2u);
  EXPECT_THAT(constructor->reason, HasSubstr("its header is not copied"));
  ASSERT_EQ(coverage->left_alone.size(), 1u);
  EXPECT_THAT(coverage->left_alone[0], HasSubstr("c.cpp: opted out"));

  std::vector<std::string> report = softpatch::driver::coverage_report(*coverage, true);
  // a(), b(), d(), twice<T>() (once, for its one instantiation) and the two
  // overloads of over() (one line, two definitions) of the eight: Shelf()
  // and size() are not in d.cpp.
  EXPECT_EQ(report[0],
            root_.string() + ": 6 of 8 function definitions instrumented (75.0%), in 4 files");
  EXPECT_THAT(report, Contains("      2  instrumented by some of the files that compile it only"));
  EXPECT_THAT(report, Contains(fs::canonical(root_ / "include/shelf.h").string() +
                               ":4: Shelf::size: instrumented by 2 of the 3 files that compile "
                               "it; the others: its header is not copied: entered through an "
                               "#include that softpatch cannot rewrite (src/d.cpp:1)"));
  EXPECT_THAT(report, Not(Contains(HasSubstr("twice"))));
}

TEST_F(CoverageOfABuild, AMissingDatabaseIsOneLineNamingWhereItLooked) {
  llvm::Expected<Coverage> coverage =
      softpatch::driver::measure_coverage((root_ / "include").string(), root_.string());
  ASSERT_FALSE(bool(coverage));
  std::string error = llvm::toString(coverage.takeError());
  EXPECT_THAT(error, HasSubstr("no compile_commands.json in " + (root_ / "include").string()));
  EXPECT_EQ(error.find('\n'), std::string::npos);
}

TEST(ReasonKind, KeepsTheReasonBeforeItsDetails) {
  using softpatch::driver::reason_kind;
  EXPECT_EQ(reason_kind("constructor with a function-try-block"),
            "constructor with a function-try-block");
  EXPECT_EQ(reason_kind("constructor of a class whose definition a patch cannot edit (not copied)"),
            "constructor of a class whose definition a patch cannot edit");
  EXPECT_EQ(reason_kind("its header is not copied: entered more than once by this file"),
            "its header is not copied");
  EXPECT_EQ(reason_kind("has a static variable (n), which a plain copy would not share"),
            "has a static variable");
  EXPECT_EQ(reason_kind("declared first in /src/a.h:3, which is not copied: opted out"),
            "declared first");
  EXPECT_EQ(reason_kind("opted out by /src/x/.softpatch-skip"), "opted out");
}

}  // namespace
