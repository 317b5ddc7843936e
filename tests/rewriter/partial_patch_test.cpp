// A patch of the functions that changed: the source the rewriter writes
// when told which functions to compile; the rest call the program's copy.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "softpatch/rewriter/patcher.h"
#include "temp_tree.h"

namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

class PartialPatch : public ::testing::Test {
 protected:
  softpatch::rewriter::PatchSource patch_of(const std::string& code,
                                            std::optional<std::set<std::string>> compile) {
    std::string path = (root_ / "t.cpp").string();
    std::ofstream(path) << code;
    softpatch::rewriter::PatchOptions options = patch_options();
    options.choose_compiled = [compile](const std::vector<softpatch::CodeFingerprint>& code) {
      EXPECT_FALSE(code.empty()) << "the code is known before the choice";
      return compile;
    };
    auto patch =
        softpatch::rewriter::make_patch_source(path, {"g++", "-std=c++17", "-c", path}, options);
    if (!patch) {
      ADD_FAILURE() << llvm::toString(patch.takeError());
      return {};
    }
    return std::move(*patch);
  }

  softpatch::rewriter::PatchOptions patch_options() const {
    softpatch::rewriter::PatchOptions options;
    options.project_root = root_.string();
    options.patch_header = "/softpatch/patch.h";
    options.build_id = "00";
    return options;
  }

  TempTree tree_{"partial"};
  const fs::path& root_ = tree_.root();
};

const char kCode[] =
    "#include <string>\n"
    "namespace { int helper(int x) { return x + 1; } }\n"
    "struct Shop { int price(int) const; int base = 2; };\n"
    "int Shop::price(int n) const { return base * n; }\n"
    "std::string name(const std::string& s, int) {\n"
    "  return s + \"!\";\n"
    "}\n"
    "int counted() { static int calls = 0; return ++calls; }\n"
    "int changed(int v) { return helper(v) + Shop{}.price(v); }\n";

TEST_F(PartialPatch, WhatNothingCallsIsLeftOutWhole) {
  // changed() calls helper and Shop::price: they call the program's copy.
  // Nothing calls name(): its definition goes, a declaration stays.
  softpatch::rewriter::PatchSource patch = patch_of(kCode, std::set<std::string>{"_Z7changedi"});
  EXPECT_THAT(patch.source, HasSubstr("std::string name(const std::string& s, int) ;"));
  EXPECT_THAT(patch.source, HasSubstr("int Shop::price(int n) const { return ::__softpatch_call<"));
}

TEST_F(PartialPatch, OnlyTheNamedFunctionsKeepTheirBodies) {
  softpatch::rewriter::PatchSource patch = patch_of(kCode, std::set<std::string>{"_Z7changedi"});
  EXPECT_THAT(patch.source, HasSubstr("return helper(v) + Shop{}.price(v);"));
  EXPECT_THAT(patch.source, Not(HasSubstr("return x + 1;")));
  EXPECT_THAT(patch.source, Not(HasSubstr("return base * n;")));
  EXPECT_THAT(patch.source, Not(HasSubstr("return s + ")));
  EXPECT_THAT(patch.source, HasSubstr("return ++calls;")) << "its static is bound: compiled";
  EXPECT_EQ(patch.imported, 3u);
  // Found by id while the patch loads, before the loader fills the import.
  EXPECT_THAT(
      patch.source,
      HasSubstr(
          "::__softpatch_import(::__softpatch_imported[0], \"t.cpp:_ZN12_GLOBAL__N_16helperEi\")"));
  EXPECT_THAT(patch.source,
              HasSubstr("static ::__softpatch_raw_function __softpatch_imported[3];"));
  // Line numbers stay: the bodies' line breaks are kept.
  std::string text = patch.source;
  size_t user = text.find("#line 1");
  ASSERT_NE(user, std::string::npos);
  size_t changed = text.find("int changed(int v)");
  EXPECT_EQ(std::count(text.begin() + user, text.begin() + changed, '\n'), 9);
}

TEST_F(PartialPatch, WhatMayRunWhileThePatchLoadsIsCompiled) {
  // dlopen runs the initialiser before the loader fills any import: what it
  // reaches (seed, through Seeded's constructor, and helper through seed)
  // keeps its code.
  softpatch::rewriter::PatchSource patch =
      patch_of(std::string(kCode) +
                   "int seed(int v) { return helper(v) * 2; }\n"
                   "struct Seeded { Seeded(); int n; };\n"
                   "Seeded::Seeded() : n(seed(1)) {}\n"
                   "static Seeded seeded;\n",
               std::set<std::string>{"_Z7changedi"});
  EXPECT_THAT(patch.source, HasSubstr("return helper(v) * 2;"));
  EXPECT_THAT(patch.source, HasSubstr("return x + 1;"));
  EXPECT_THAT(patch.source, Not(HasSubstr("return base * n;")));
}

TEST_F(PartialPatch, AFunctionThatDefinesAClassKeepsItsCode) {
  // Acc's method is edited in place: its enclosing body stays.
  softpatch::rewriter::PatchSource patch = patch_of(
      std::string(kCode) +
          "int local_sum(int n) { struct Acc { int t = 0; void add(int v) { t += v; } } a;\n"
          "  for (int i = 0; i < n; ++i) a.add(i);\n  return a.t; }\n",
      std::set<std::string>{"_Z7changedi"});
  EXPECT_THAT(patch.source, HasSubstr("a.add(i);"));
}

TEST_F(PartialPatch, WithoutASetEveryFunctionIsCompiled) {
  softpatch::rewriter::PatchSource patch = patch_of(kCode, std::nullopt);
  EXPECT_EQ(patch.imported, 0u);
  EXPECT_THAT(patch.source, HasSubstr("return x + 1;"));
  EXPECT_THAT(patch.source, Not(HasSubstr("__softpatch_imported")));
}

// Not a partial patch's rule, but its source's: a static member of a class
// of an anonymous namespace has a local symbol the patch cannot bind to.
TEST_F(PartialPatch, AMutableStaticMemberOfAnInternalClassIsRefusedByName) {
  const char code[] =
      "namespace {\n"
      "struct Note { static int closed; static const int kStep; static inline int made = 0; };\n"
      "int Note::closed = 0;\n"
      "const int Note::kStep = 2;\n"
      "}\n"
      "int close_note() { Note::made += Note::kStep; return ++Note::closed; }\n";
  std::string path = (root_ / "n.cpp").string();
  std::ofstream(path) << code;
  auto patch = softpatch::rewriter::make_patch_source(path, {"g++", "-std=c++17", "-c", path},
                                                      patch_options());
  ASSERT_FALSE(patch);
  EXPECT_EQ(llvm::toString(patch.takeError()),
            path +
                ":2: cannot share (anonymous namespace)::Note::made with the program yet (a "
                "static member whose symbol is local to the file: of a class with internal "
                "linkage, or of such a type): restart needed");
}

}  // namespace
