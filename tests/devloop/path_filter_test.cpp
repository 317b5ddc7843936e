// Which paths the dev loop's watcher counts.
#include "softpatch/devloop/path_filter.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace {

using softpatch::driver::glob_match;
using softpatch::driver::PathFilter;

TEST(GlobMatch, StarsQuestionMarksClassesAndBraces) {
  EXPECT_TRUE(glob_match("*.cpp", "store.cpp"));
  EXPECT_FALSE(glob_match("*.cpp", "src/store.cpp"));  // * stays within a segment
  EXPECT_TRUE(glob_match("src/**/*.cpp", "src/store.cpp"));
  EXPECT_TRUE(glob_match("src/**/*.cpp", "src/a/b/store.cpp"));
  EXPECT_FALSE(glob_match("src/**/*.cpp", "lib/store.cpp"));
  EXPECT_TRUE(glob_match("**/gen", "a/b/gen"));
  EXPECT_TRUE(glob_match("file?.h", "file1.h"));
  EXPECT_FALSE(glob_match("file?.h", "file10.h"));
  EXPECT_TRUE(glob_match("v[0-9].txt", "v7.txt"));
  EXPECT_FALSE(glob_match("v[!0-9].txt", "v7.txt"));
  EXPECT_TRUE(glob_match("*.{cpp,h}", "a.h"));
  EXPECT_TRUE(glob_match("{src,include}/**/*.{cpp,hpp}", "include/x/y.hpp"));
  EXPECT_FALSE(glob_match("*.{cpp,h}", "a.hpp"));
}

TEST(PathFilter, IncludesIgnoresAndDefaults) {
  PathFilter filter({"*.cpp", "*.h"}, {"third_party/**", "*_generated.cpp"});
  EXPECT_TRUE(filter.wanted_file("src/store.cpp"));
  EXPECT_FALSE(filter.wanted_file("README.md"));              // not included
  EXPECT_FALSE(filter.wanted_file("src/api_generated.cpp"));  // ignore wins
  EXPECT_TRUE(filter.ignored("third_party/zlib/z.cpp", false));
  EXPECT_TRUE(filter.ignored(".git", true));
  EXPECT_TRUE(filter.ignored("web/node_modules", true));
  EXPECT_TRUE(filter.ignored("web/node_modules/x/y.cpp", false));  // below an ignored directory
  for (const char* temp : {"src/.store.cpp.swp", "src/store.cpp~", "src/4913", "src/.#store.cpp",
                           "src/#store.cpp#", "src/store.cpp.tmp"})
    EXPECT_TRUE(filter.ignored(temp, false)) << temp;
  filter.ignore_directory("out");
  EXPECT_TRUE(filter.ignored("out/main.cpp", false));
}

TEST(PathFilter, GitignoreRulesApplyBelowTheirDirectory) {
  char pattern[] = "/tmp/softpatch-filter-XXXXXX";
  std::string root = mkdtemp(pattern);
  std::filesystem::create_directories(root + "/lib");
  std::ofstream(root + "/.gitignore") << "# comment\n*.o\n/generated/\nlogs/\n!keep.o\n";
  std::ofstream(root + "/lib/.gitignore") << "local.cpp\nsub/*.cpp\n";
  PathFilter filter({}, {});
  filter.load_gitignore(root, "");
  filter.load_gitignore(root, "lib");
  EXPECT_TRUE(filter.ignored("a/b/x.o", false));
  EXPECT_FALSE(filter.ignored("a/keep.o", false));  // negated
  EXPECT_TRUE(filter.ignored("generated", true));
  EXPECT_FALSE(filter.ignored("src/generated", true));  // anchored to the root
  EXPECT_TRUE(filter.ignored("deep/logs/today.txt", false));
  EXPECT_FALSE(filter.ignored("logs", false));  // a file named like the directory rule
  EXPECT_TRUE(filter.ignored("lib/local.cpp", false));
  EXPECT_FALSE(filter.ignored("local.cpp", false));  // lib's rules stay in lib
  EXPECT_TRUE(filter.ignored("lib/sub/a.cpp", false));
  EXPECT_FALSE(filter.ignored("lib/other/sub/a.cpp", false));
  std::filesystem::remove_all(root);
}

}  // namespace
