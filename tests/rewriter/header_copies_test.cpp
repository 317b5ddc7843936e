// Instrument mode on the project's headers: the copies the file includes
// in their place, and the headers that keep their text, each with why.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "softpatch/rewriter/instrumenter.h"
#include "softpatch/rewriter/patcher.h"
#include "temp_tree.h"

namespace {

namespace fs = std::filesystem;
using softpatch::rewriter::InstrumentedFile;
using softpatch::rewriter::ShadowHeader;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

class HeaderCopies : public ::testing::Test {
 protected:
  void write(const std::string& relative, const std::string& code) { tree_.write(relative, code); }

  // Instruments t.cpp, with include/ on the search path after `search`
  // (directories below the root, each after its flag: {"-isystem", "vendor"}).
  InstrumentedFile instrument(const std::string& code, std::vector<std::string> search = {}) {
    write("t.cpp", code);
    std::string file = (root_ / "t.cpp").string();
    softpatch::rewriter::InstrumentOptions options{root_.string(), "/softpatch/instrument.h", "",
                                                   (root_ / "t.o.softpatch-headers").string()};
    std::vector<std::string> command = {"g++", "-std=c++17"};
    for (std::size_t i = 0; i + 1 < search.size(); i += 2)
      command.insert(command.end(), {search[i], (root_ / search[i + 1]).string()});
    command.insert(command.end(), {"-I" + (root_ / "include").string(), "-c", file});
    auto result = softpatch::rewriter::instrument_file(file, command, options);
    if (!result) {
      ADD_FAILURE() << llvm::toString(result.takeError());
      return {};
    }
    return std::move(*result);
  }

  const ShadowHeader* copy_of(const InstrumentedFile& out, const std::string& relative) {
    for (const ShadowHeader& header : out.headers)
      if (header.original == fs::canonical(root_ / relative).string()) return &header;
    return nullptr;
  }

  static std::string reason_for(const InstrumentedFile& out, const std::string& name) {
    for (const auto& skipped : out.skipped)
      if (skipped.name == name) return skipped.reason;
    return "(not skipped)";
  }

  static bool instrumented(const InstrumentedFile& out, const std::string& name) {
    for (const auto& function : out.functions)
      if (function.name == name) return true;
    return false;
  }

  TempTree tree_{"headers"};
  const fs::path& root_ = tree_.root();
};

TEST_F(HeaderCopies, AHeaderFunctionGetsItsTrampolineInACopyThatNamesTheHeader) {
  write("include/store.h",
        "#pragma once\n"
        "struct Store {\n"
        "  int size() const { return n; }\n"
        "  int n = 0;\n"
        "};\n");
  InstrumentedFile out =
      instrument("#include <store.h>\nint use(const Store& s) { return s.size(); }\n");
  const ShadowHeader* copy = copy_of(out, "include/store.h");
  ASSERT_NE(copy, nullptr);
  // Diagnostics and debug info name the header as the compiler found it.
  EXPECT_THAT(copy->text, StartsWith("#line 1 \"" + (root_ / "include").string() + "/store.h\"\n"));
  EXPECT_THAT(copy->text,
              HasSubstr("__attribute__((abi_tag(\"softpatch\"))) int size() const { if ("));
  EXPECT_THAT(copy->text, HasSubstr("::__softpatch_header_slot_"));
  // Defined before the file's first line: weak, not a template's static
  // member, which g++ would make unique and the library unloadable.
  EXPECT_THAT(out.source, HasSubstr("__attribute__((weak, visibility(\"default\"))) "
                                    "::__softpatch_slot __softpatch_header_slot_"));
  EXPECT_THAT(out.source, HasSubstr("#include \"" + copy->path + "\""));
  EXPECT_THAT(out.source, Not(HasSubstr("<store.h>")));
  ASSERT_TRUE(instrumented(out, "Store::size() const"));
  for (const auto& function : out.functions)
    if (function.name == "Store::size() const") {
      EXPECT_EQ(function.file, fs::canonical(root_ / "include/store.h").string());
      EXPECT_EQ(function.line, 3u);
      EXPECT_THAT(function.id, HasSubstr("B9softpatch"));  // the tagged name
    }
}

TEST_F(HeaderCopies, APragmaOnceHeaderIsEnteredThroughItsCopyFromEveryIncluder) {
  write("include/common.h", "#pragma once\ninline int common() { return 1; }\n");
  write("include/a.h",
        "#pragma once\n#include \"common.h\"\ninline int a() { return common(); }\n");
  write("include/b.h", "#pragma once\n#include <common.h>\n");
  InstrumentedFile out =
      instrument("#include \"a.h\"\n#include \"b.h\"\nint use() { return a(); }\n");
  const ShadowHeader* common = copy_of(out, "include/common.h");
  const ShadowHeader* a = copy_of(out, "include/a.h");
  const ShadowHeader* b = copy_of(out, "include/b.h");
  ASSERT_NE(common, nullptr);
  ASSERT_NE(a, nullptr);
  // b.h has no function of its own, but its skipped directive would enter
  // the original common.h a second time.
  ASSERT_NE(b, nullptr);
  EXPECT_THAT(a->text, HasSubstr("#include \"" + common->path + "\""));
  EXPECT_THAT(b->text, HasSubstr("#include \"" + common->path + "\""));
  EXPECT_TRUE(instrumented(out, "common()"));
  EXPECT_TRUE(instrumented(out, "a()"));
}

TEST_F(HeaderCopies, AComputedIncludeIsReplacedByAnIncludeOfTheCopy) {
  write("include/impl.h", "#pragma once\ninline int impl() { return 2; }\n");
  write("include/front.h",
        "#pragma once\n#define IMPL_HEADER \"impl.h\"\n#  include IMPL_HEADER\n"
        "inline int front() { return impl(); }\n");
  InstrumentedFile out =
      instrument("#define FRONT <front.h>\n#include FRONT\nint use() { return front(); }\n");
  const ShadowHeader* impl = copy_of(out, "include/impl.h");
  const ShadowHeader* front = copy_of(out, "include/front.h");
  ASSERT_NE(impl, nullptr);
  ASSERT_NE(front, nullptr);
  EXPECT_TRUE(instrumented(out, "impl()"));
  EXPECT_TRUE(instrumented(out, "front()"));
  // The directive's line is replaced whole: the lines after it keep their numbers.
  EXPECT_THAT(front->text, HasSubstr("\n#include \"" + impl->path + "\"\ninline "));
  EXPECT_THAT(out.source, HasSubstr("\n#include \"" + front->path + "\"\nint use()"));
}

TEST_F(HeaderCopies, AnIncludeThatSoftpatchCannotRewriteKeepsItsTextAndSaysWhy) {
  // A computed include continued on a second line cannot be replaced by one.
  write("include/impl.h", "#pragma once\ninline int impl() { return 2; }\n");
  InstrumentedFile out =
      instrument("#define IMPL \"impl.h\"\n#include \\\nIMPL\nint use() { return impl(); }\n");
  EXPECT_EQ(copy_of(out, "include/impl.h"), nullptr);
  EXPECT_FALSE(instrumented(out, "impl()"));
  EXPECT_THAT(reason_for(out, "impl"),
              HasSubstr("its header is not copied: entered through an #include that softpatch "
                        "cannot rewrite (t.cpp:"));
}

TEST_F(HeaderCopies, WhatAHeaderWithoutAGuardIncludesKeepsItsTextToo) {
  write("include/twice.h", "#include \"inner.h\"\ninline int twice_fn();\n");
  write("include/inner.h",
        "#ifndef INNER_H\n#define INNER_H\ninline int inner() { return 3; }\n#endif\n");
  InstrumentedFile out =
      instrument("#include \"twice.h\"\n#include \"twice.h\"\nint use() { return inner(); }\n");
  EXPECT_EQ(copy_of(out, "include/inner.h"), nullptr);
  EXPECT_EQ(copy_of(out, "include/twice.h"), nullptr);
  EXPECT_THAT(
      reason_for(out, "inner"),
      HasSubstr("its header is not copied: included by include/twice.h, which is not copied"));
}

TEST_F(HeaderCopies, AHeaderEnteredAgainForTheLinesOutsideItsGuardIsCopied) {
  // The version line and the trailing include are outside the guard: the
  // second include enters the header again, declaring nothing.
  write("include/lib.h",
        "#define LIB_VERSION 2\n"
        "#ifndef LIB_H\n#define LIB_H\n"
        "inline int lib_fn() { return LIB_VERSION; }\n"
        "#endif\n"
        "#if defined(LIB_IMPL) && !defined(LIB_IMPL_DONE)\n#define LIB_IMPL_DONE\n"
        "#include \"lib_impl.h\"\n#endif\n");
  write("include/lib_impl.h", "#include \"lib.h\"\nint lib_impl_fn() { return lib_fn() + 1; }\n");
  InstrumentedFile out = instrument(
      "#define LIB_IMPL\n#include \"lib.h\"\n#include \"lib.h\"\n"
      "int use() { return lib_fn() + lib_impl_fn(); }\n");
  EXPECT_TRUE(instrumented(out, "lib_fn()")) << reason_for(out, "lib_fn");
  EXPECT_TRUE(instrumented(out, "lib_impl_fn()")) << reason_for(out, "lib_impl_fn");
  const ShadowHeader* lib = copy_of(out, "include/lib.h");
  const ShadowHeader* impl = copy_of(out, "include/lib_impl.h");
  ASSERT_NE(lib, nullptr);
  ASSERT_NE(impl, nullptr);
  // Every directive that names lib.h names its copy, the skipped ones too.
  EXPECT_THAT(out.source, Not(HasSubstr("#include \"lib.h\"")));
  EXPECT_THAT(impl->text, HasSubstr("#include \"" + lib->path + "\""));
  EXPECT_THAT(lib->text, HasSubstr("#include \"" + impl->path + "\""));
}

TEST_F(HeaderCopies, AHeaderThatDeclaresEachTimeItIsEnteredKeepsItsText) {
  write("include/list.h", "LIST_ITEM(one)\nLIST_ITEM(two)\n");
  InstrumentedFile out = instrument(
      "#define LIST_ITEM(n) inline int n() { return 1; }\n#include \"list.h\"\n#undef LIST_ITEM\n"
      "#define LIST_ITEM(n) int n##_twice() { return n() * 2; }\n#include \"list.h\"\n");
  EXPECT_EQ(copy_of(out, "include/list.h"), nullptr);
  EXPECT_THAT(reason_for(out, "one"),
              HasSubstr("its header is not copied: entered more than once by this file, declaring "
                        "each time"));
}

TEST_F(HeaderCopies, AHeadersTemplateGetsASlotPerInstantiationUnderItsTaggedName) {
  write("include/box.h",
        "#pragma once\nnamespace lab {\n"
        "template <class T> T twice(T x) { return x * 2; }\n"
        "template <class T> struct Box { T get() const { return v; } T v; };\n"
        "template <class... T, int N = sizeof...(T)> int count() { return N; }\n}\n");
  InstrumentedFile out = instrument(
      "#include \"box.h\"\nint use() { return lab::count<int, char>() + lab::twice(2) + "
      "lab::Box<int>{3}.get() + "
      "lab::twice<const int&>(1) + (lab::Box<int(*)[2]>{}.get() != nullptr); }\n");
  EXPECT_TRUE(instrumented(out, "lab::twice(T)")) << reason_for(out, "lab::twice");
  EXPECT_TRUE(instrumented(out, "lab::twice<int>(int)"));
  EXPECT_TRUE(instrumented(out, "lab::Box<int>::get() const"));
  EXPECT_TRUE(instrumented(out, "lab::twice<const int &>(const int &)"));
  // A pack that a parameter follows cannot be written out: found by symbol.
  EXPECT_TRUE(instrumented(out, "lab::count<int, char, 2>()"));
  EXPECT_THAT(out.source, Not(HasSubstr("&count<")));
  const ShadowHeader* box = copy_of(out, "include/box.h");
  ASSERT_NE(box, nullptr);
  EXPECT_THAT(box->text, HasSubstr("__softpatch_template_slot"));
  // The tag keeps the instrumented copies apart from a plain file's.
  EXPECT_THAT(box->text, HasSubstr("__attribute__((abi_tag(\"softpatch\"))) T twice"));
  EXPECT_THAT(out.source, HasSubstr("\"_ZN3lab5twiceB9softpatchIiEET_S1_\""));
}

TEST_F(HeaderCopies, AHeadersTemplateThatPlainFilesLinkToByNameStaysPlain) {
  write("include/made.h",
        "#pragma once\nnamespace lab {\n"
        "template <class T> T twice(T x) { return x * 2; }\n"
        "extern template int twice<int>(int);\n"
        "template <class T> struct Box { T get() const { return v; } T v; };\n"
        "extern template struct Box<int>;\n"
        "template <class T> struct Cup { void set(T x) { v = x; } T v; };\n"
        "template <> void Cup<int>::set(int x);\n}\n");
  InstrumentedFile out = instrument(
      "#include \"made.h\"\nint use() { lab::Cup<long> c; c.set(1); return lab::twice(2) + "
      "lab::Box<int>{3}.get(); }\n");
  EXPECT_THAT(reason_for(out, "lab::twice"),
              HasSubstr("template with an explicit instantiation declaration (extern template)"));
  EXPECT_THAT(reason_for(out, "lab::Box::get"),
              HasSubstr("member of a class template with an explicit instantiation declaration"));
  EXPECT_THAT(reason_for(out, "lab::Cup::set"),
              HasSubstr("template with an explicit specialization that is not inline"));
}

TEST_F(HeaderCopies, AHeadersTemplateDeclaredInAnotherHeaderStaysPlain) {
  // A file that includes decl.h alone calls sep<char> by its plain name.
  write("include/decl.h", "#pragma once\nnamespace lab { template <class T> T sep(T); }\n");
  write("include/impl.h",
        "#pragma once\n#include \"decl.h\"\nnamespace lab { template <class T> T sep(T x) { "
        "return x; } }\n");
  InstrumentedFile out = instrument("#include \"impl.h\"\nint use() { return lab::sep(1); }\n");
  EXPECT_THAT(reason_for(out, "lab::sep"),
              HasSubstr("template declared in another file than its definition"));
}

TEST_F(HeaderCopies, AnInlineExplicitSpecializationInAHeaderIsAFunctionWithItsOwnTag) {
  write("include/kind.h",
        "#pragma once\nnamespace lab {\n"
        "struct Value { template <class T> T as() const; int v; };\n"
        "template <> inline bool Value::as<bool>() const { return v != 0; }\n"
        "template <class T> int size(T) { return sizeof(T); }\n"
        "template <> inline int size<char>(char) { return 1; }\n}\n"
        "template <class T> int global_size(T) { return sizeof(T); }\n"
        "template <> inline int global_size<char>(char) { return 1; }\n");
  InstrumentedFile out = instrument(
      "#include \"kind.h\"\nint use(lab::Value v) { return v.as<bool>() + lab::size('a') + "
      "global_size('b'); }\n");
  EXPECT_TRUE(instrumented(out, "lab::Value::as<bool>() const"))
      << reason_for(out, "lab::Value::as");
  EXPECT_TRUE(instrumented(out, "lab::size<char>(char)")) << reason_for(out, "lab::size");
  const ShadowHeader* kind = copy_of(out, "include/kind.h");
  ASSERT_NE(kind, nullptr);
  EXPECT_THAT(kind->text, HasSubstr("template <> inline __attribute__((abi_tag(\"softpatch\"))) "
                                    "bool Value::as<bool>() const"));
  EXPECT_THAT(out.source, HasSubstr("\"_ZNK3lab5Value2asB9softpatchIbEET_v\""));
  // g++ ignores the tag on a global function template's specialization.
  bool said = false;
  for (const auto& skipped : out.skipped)
    said |= skipped.name == "global_size" && skipped.type.find("char") != std::string::npos &&
            skipped.reason.find(
                "explicit specialization of a function template of the global "
                "namespace, whose ABI tag g++ ignores") == 0;
  EXPECT_TRUE(said);
}

TEST_F(HeaderCopies, AFunctionTemplateOfTheGlobalNamespaceStaysPlainUnderGxx) {
  write("include/global.h", "#pragma once\ntemplate <class T> T twice(T x) { return x * 2; }\n");
  InstrumentedFile out = instrument("#include \"global.h\"\nint use() { return twice(2); }\n");
  EXPECT_THAT(reason_for(out, "twice"),
              HasSubstr("function template of the global namespace, whose ABI tag g++ ignores"));
}

TEST_F(HeaderCopies, AFunctionFirstDeclaredInAHeaderNotCopiedStaysPlainAndSaysWhere) {
  // decl.h is entered twice (no guard), so it keeps its text: the tag of
  // the function it declares first cannot be written there.
  write("include/decl.h", "inline int later();\n");
  write("include/def.h", "#pragma once\ninline int later() { return 4; }\n");
  InstrumentedFile out = instrument(
      "#include \"decl.h\"\n#include \"decl.h\"\n#include \"def.h\"\nint use() { return later(); "
      "}\n");
  EXPECT_FALSE(instrumented(out, "later()"));
  EXPECT_THAT(reason_for(out, "later"),
              HasSubstr("declared first in " + (root_ / "include").string() +
                        "/decl.h:1, which is not copied: entered more than once by this file"));
}

TEST_F(HeaderCopies, TheTagGoesIntoTheCopyOfAHeaderThatOnlyDeclaresTheFunction) {
  // decl.h defines nothing, so it has no unit of its own; its copy must
  // still carry the tag, or the instrumented copy would take the plain name.
  write("include/decl.h", "#pragma once\ninline int later();\n");
  write("include/def.h", "#pragma once\n#include \"decl.h\"\ninline int later() { return 4; }\n");
  InstrumentedFile out = instrument("#include \"def.h\"\nint use() { return later(); }\n");
  ASSERT_TRUE(instrumented(out, "later()"));
  const ShadowHeader* decl = copy_of(out, "include/decl.h");
  ASSERT_NE(decl, nullptr);
  EXPECT_THAT(decl->text, HasSubstr("__attribute__((abi_tag(\"softpatch\"))) int later();"));
  const ShadowHeader* def = copy_of(out, "include/def.h");
  ASSERT_NE(def, nullptr);
  EXPECT_THAT(def->text, HasSubstr("#include \"" + decl->path + "\""));
}

TEST_F(HeaderCopies, InlineFunctionsThatATagWouldSplitStayPlainAndSayWhy) {
  write("include/split.h",
        "#pragma once\n"
        "inline int& counter() { static int n = 0; return n; }\n"
        "inline int lambda_counter() { return [] { thread_local int k = 0; return ++k; }(); }\n"
        "struct Shape { virtual int sides() const { return 0; } };\n"
        "struct Keyed { virtual int sides() const { return 1; } virtual ~Keyed(); };\n"
        "class Peer { friend int peek(const Peer&); int v = 2; };\n"
        "class Pal { friend int pal(const Pal&) { return 9; } };\n"
        "int pal(const Pal&);\n"
        "inline int peek(const Peer& p) { return p.v; }\n"
        "inline int one(), two();\n"
        "inline int one() { return 1; }\n"
        "inline int two() { return 2; }\n"
        "__attribute__((abi_tag(\"v2\"))) inline int tagged() { return 3; }\n"
        "inline int plain() { return 4; }\n");
  InstrumentedFile out = instrument(
      "#include <split.h>\nint use(const Shape& s, const Keyed& k) { return counter() + "
      "lambda_counter() + s.sides() + k.sides() + peek(Peer()) + one() + two() + tagged() + "
      "plain() + pal(Pal()); }\n");
  EXPECT_THAT(reason_for(out, "counter"), HasSubstr("has a static variable (n)"));
  EXPECT_THAT(reason_for(out, "lambda_counter"), HasSubstr("has a static variable (k)"));
  EXPECT_THAT(reason_for(out, "Shape::sides"), HasSubstr("class without a key function"));
  EXPECT_THAT(reason_for(out, "peek"), HasSubstr("declared first as a friend"));
  EXPECT_THAT(reason_for(out, "one"), HasSubstr("declared first beside other declarations"));
  EXPECT_THAT(reason_for(out, "two"), HasSubstr("declared first beside other declarations"));
  EXPECT_THAT(reason_for(out, "tagged"), HasSubstr("has an ABI tag of its own"));
  // A class with a key function has one vtable, made where that is defined.
  EXPECT_TRUE(instrumented(out, "Keyed::sides() const"));
  EXPECT_TRUE(instrumented(out, "plain()"));
  EXPECT_TRUE(instrumented(out, "pal(const Pal &)"));  // a friend defined where declared first
}

TEST_F(HeaderCopies, AHeaderWithAByteOrderMarkAndANonAsciiNameIsCopiedWhole) {
  write("include/caf\xc3\xa9.h", "\xEF\xBB\xBF#pragma once\ninline int brew() { return 5; }\n");
  InstrumentedFile out = instrument("#include \"caf\xc3\xa9.h\"\nint use() { return brew(); }\n");
  ASSERT_TRUE(instrumented(out, "brew()"));
  const ShadowHeader* copy = copy_of(out, "include/caf\xc3\xa9.h");
  ASSERT_NE(copy, nullptr);
  // The mark may only open a file: after the #line it would not compile.
  EXPECT_THAT(copy->text, Not(HasSubstr("\xEF\xBB\xBF")));
  // An include name takes no escapes: the copy's path is written as is.
  EXPECT_THAT(out.source, HasSubstr("#include \"" + copy->path + "\""));
  EXPECT_THAT(copy->path, HasSubstr("caf\xc3\xa9.h"));
}

TEST_F(HeaderCopies, SystemAndOptedOutHeadersBelowTheRootAreNotTheProjectsToCopy) {
  write("vendor/lib.h", "#pragma once\ninline int vendored() { return 6; }\n");
  write("include/quiet.h",
        "// softpatch: skip-file\n#pragma once\ninline int quiet() { return 7; }\n");
  InstrumentedFile out = instrument(
      "#include <lib.h>\n#include <quiet.h>\nint use() { return vendored() + quiet(); }\n",
      {"-isystem", "vendor"});
  EXPECT_EQ(copy_of(out, "vendor/lib.h"), nullptr);
  EXPECT_EQ(copy_of(out, "include/quiet.h"), nullptr);
  EXPECT_FALSE(instrumented(out, "vendored()"));
  EXPECT_EQ(reason_for(out, "vendored"), "(not skipped)");  // not the project's: not listed
  EXPECT_THAT(reason_for(out, "quiet"), HasSubstr("its header is not copied: opted out"));
}

TEST_F(HeaderCopies, APatchFindsHeadersThroughRelativeDirectoriesOfItsWorkingDirectory) {
  write("include/store.h", "#pragma once\nstruct Store { int size() const { return 8; } };\n");
  write("src/t.cpp", "#include <store.h>\nint use() { return Store().size(); }\n");
  std::string file = (root_ / "src/t.cpp").string();
  softpatch::rewriter::PatchOptions options;
  options.project_root = root_.string();
  options.patch_header = "/softpatch/patch.h";
  options.build_id = "0";
  options.working_directory = root_.string();  // not this process's
  options.shadow_directory = (root_ / "patch-headers").string();
  auto patch = softpatch::rewriter::make_patch_source(
      file, {"g++", "-std=c++17", "-Iinclude", "-c", "src/t.cpp"}, options);
  ASSERT_TRUE(bool(patch)) << llvm::toString(patch.takeError());
  ASSERT_EQ(patch->headers.size(), 1u);
  EXPECT_EQ(patch->headers[0].original, fs::canonical(root_ / "include/store.h").string());
  EXPECT_THAT(patch->source, HasSubstr("#include \"" + patch->headers[0].path + "\""));
}

TEST_F(HeaderCopies, PatchesThatCopyAHeaderDifferentlyNeverShareACopysPath) {
  // The copy declares a member for each constructor body the file's patch
  // carries: an edit that leaves it none copies the header differently. Two
  // such patches built at once must not write over each other's copy.
  write("include/w.h",
        "#pragma once\nstruct W {\n  W(int x);\n  int get() const { return n; }\n  int n;\n};\n");
  const std::string carried = "#include <w.h>\nW::W(int x) : n(x) { ++n; }\n";
  const std::string uncarried =
      "#include <w.h>\n__attribute__((no_sanitize(\"address\"))) W::W(int x) : n(x) { ++n; }\n";
  softpatch::rewriter::PatchOptions options;
  options.project_root = root_.string();
  options.patch_header = "/softpatch/patch.h";
  options.build_id = "0";
  options.shadow_directory = (root_ / "patch-headers").string();
  std::string file = (root_ / "t.cpp").string();
  auto patch_of = [&](const std::string& code) {
    write("t.cpp", code);
    auto patch = softpatch::rewriter::make_patch_source(
        file, {"g++", "-std=c++17", "-I" + (root_ / "include").string(), "-c", file}, options);
    if (!patch) {
      ADD_FAILURE() << llvm::toString(patch.takeError());
      return ShadowHeader{};
    }
    EXPECT_EQ(patch->headers.size(), 1u);
    EXPECT_THAT(patch->source, HasSubstr("#include \"" + patch->headers.at(0).path + "\""));
    return patch->headers.at(0);
  };
  ShadowHeader first = patch_of(carried);
  ShadowHeader second = patch_of(uncarried);
  ShadowHeader again = patch_of(carried);
  EXPECT_THAT(first.text, HasSubstr("__softpatch_body_"));
  EXPECT_THAT(second.text, Not(HasSubstr("__softpatch_body_")));
  EXPECT_NE(first.path, second.path);
  EXPECT_EQ(first.path, again.path) << "a copy alike keeps its path, and its preamble";
  EXPECT_EQ(first.text, again.text);
  for (const ShadowHeader* copy : {&first, &second})
    EXPECT_THAT(copy->path, StartsWith(options.shadow_directory + "/"));
}

TEST_F(HeaderCopies, AProjectHeaderThatASystemHeaderIncludesKeepsItsText) {
  write("vendor/lib.h", "#pragma once\n#include <inner.h>\n");
  write("include/inner.h", "#pragma once\ninline int inner() { return 3; }\n");
  InstrumentedFile out =
      instrument("#include <lib.h>\nint use() { return inner(); }\n", {"-isystem", "vendor"});
  // The system header's directive is not rewritten: a copy would never be
  // entered, and the functions registered would not be the ones that run.
  // (A header that a system header enters is one itself, as the compiler
  // sees it: not the project's in this file.)
  EXPECT_EQ(copy_of(out, "include/inner.h"), nullptr);
  EXPECT_FALSE(instrumented(out, "inner()"));
  EXPECT_EQ(reason_for(out, "inner"), "(not skipped)");
}

TEST_F(HeaderCopies, IncludeNextSpelledWithSpacesKeepsTheHeadersText) {
  write("include/wrap.h",
        "#pragma once\n#  include_next <wrap.h>\ninline int wrap() { return 1; }\n");
  write("sys/wrap.h", "#pragma once\n");
  InstrumentedFile out =
      instrument("#include <wrap.h>\nint use() { return wrap(); }\n", {"-idirafter", "sys"});
  EXPECT_EQ(copy_of(out, "include/wrap.h"), nullptr);
  EXPECT_THAT(reason_for(out, "wrap"), HasSubstr("uses #include_next"));
}

TEST_F(HeaderCopies, APatchParsedFromACopyRewritesTheComputedIncludesOfTheOriginal) {
  write("src/store.h", "#pragma once\nstruct Store { int size() const { return 8; } };\n");
  const std::string code =
      "#define STORE \"store.h\"\n#include STORE\nint use() { return Store().size(); }\n";
  write("src/t.cpp", code);
  write("edit/t.cpp", code);  // the edited text, saved elsewhere
  softpatch::rewriter::PatchOptions options;
  options.project_root = root_.string();
  options.original_file = (root_ / "src/t.cpp").string();
  options.patch_header = "/softpatch/patch.h";
  options.build_id = "0";
  options.shadow_directory = (root_ / "patch-headers").string();
  std::string edited = (root_ / "edit/t.cpp").string();
  auto patch = softpatch::rewriter::make_patch_source(
      edited, {"g++", "-std=c++17", "-c", options.original_file}, options);
  ASSERT_TRUE(bool(patch)) << llvm::toString(patch.takeError());
  ASSERT_EQ(patch->headers.size(), 1u);
  EXPECT_THAT(patch->source, HasSubstr("\n#include \"" + patch->headers[0].path + "\"\n"));
  EXPECT_THAT(patch->source, Not(HasSubstr("#include STORE")));
}

}  // namespace
