// The fingerprints of a file's code: what counts as a change of a piece and
// what does not, compared the way `softpatch patch` compares an edit with the
// code that runs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "softpatch/changes/code_changes.h"
#include "softpatch/rewriter/instrumenter.h"
#include "softpatch/rewriter/patcher.h"
#include "temp_tree.h"

namespace {

namespace fs = std::filesystem;
using softpatch::CodeChanges;
using softpatch::CodeFingerprint;
using softpatch::CodeKind;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Optional;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;

class Fingerprints : public ::testing::Test {
 protected:
  void write(const std::string& relative, const std::string& code) { tree_.write(relative, code); }

  // The code of `t.cpp` as it is now.
  std::vector<CodeFingerprint> code_of(const std::string& text, const std::string& cache = "") {
    write("t.cpp", text);
    std::string path = (root_ / "t.cpp").string();
    softpatch::rewriter::PatchOptions options;
    options.project_root = root_.string();
    options.patch_header = "/softpatch/patch.h";
    options.build_id = "00";
    options.preamble_cache = cache;
    auto patch = softpatch::rewriter::make_patch_source(
        path, {"g++", "-std=c++17", "-I" + root_.string(), "-c", path}, options);
    if (!patch) {
      ADD_FAILURE() << llvm::toString(patch.takeError());
      return {};
    }
    return std::move(patch->code);
  }

  // The code of `t.cpp` as its build records it (the instrumented parse,
  // which sees library code too).
  std::vector<CodeFingerprint> built_code_of(const std::string& text) {
    write("t.cpp", text);
    std::string path = (root_ / "t.cpp").string();
    softpatch::rewriter::InstrumentOptions options;
    options.project_root = root_.string();
    options.runtime_header = "/softpatch/instrument.h";
    auto built = softpatch::rewriter::instrument_file(
        path, {"g++", "-std=c++17", "-I" + root_.string(), "-c", path}, options);
    if (!built) {
      ADD_FAILURE() << llvm::toString(built.takeError());
      return {};
    }
    return std::move(built->code);
  }

  CodeChanges changes(const std::string& before, const std::string& after) {
    std::vector<CodeFingerprint> running = code_of(before);
    return softpatch::compare(running, code_of(after));
  }

  TempTree tree_{"fingerprints"};
  const fs::path& root_ = tree_.root();
};

const char kStore[] = R"(
#include <string>
namespace {
constexpr int kLimit = 10;
int clamp(int n) { return n > kLimit ? kLimit : n; }
}
struct Store {
  explicit Store(int n) : size(n) {}
  ~Store() {}
  int get(int i) const { return clamp(i) + size; }
  int size;
  long extra = 1;
};
static int counter = 0;
int next() { static int calls = 0; return ++calls + counter; }
int main() { return Store(1).get(2); }
)";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST_F(Fingerprints, EveryPieceOfTheFileIsThereWithItsKind) {
  std::map<std::string, CodeKind> kinds;
  for (const CodeFingerprint& piece : code_of(kStore)) {
    kinds[piece.name] = piece.kind;
    EXPECT_EQ(piece.hash.size(), 16u) << piece.name;
  }
  EXPECT_EQ(kinds["(anonymous namespace)::clamp(int)"], CodeKind::kFunction);
  EXPECT_EQ(kinds["Store::get(int) const"], CodeKind::kFunction);
  EXPECT_EQ(kinds["Store::Store(int)"], CodeKind::kFunction);
  EXPECT_EQ(kinds["Store::~Store()"], CodeKind::kFunction);
  EXPECT_EQ(kinds["size of Store::Store(int)"], CodeKind::kConstructorInitialiser);
  EXPECT_EQ(kinds["main()"], CodeKind::kMain);
  EXPECT_EQ(kinds["counter"], CodeKind::kInitialiser);
  EXPECT_EQ(kinds["next::calls"], CodeKind::kInitialiser);
  EXPECT_EQ(kinds["Store::extra"], CodeKind::kMemberInitialiser);
  EXPECT_EQ(kinds.count("kLimit"), 0u) << "constants count in the code that uses them";
}

TEST_F(Fingerprints, CommentsSpacingAndLineMovesChangeNothing) {
  std::string edited = "// a new comment\n\n" + replaced(kStore, "return ++calls + counter;",
                                                         "return ++calls  /* why */ +\n counter;");
  EXPECT_TRUE(changes(kStore, edited).none());
}

TEST_F(Fingerprints, ABodyEditIsThatFunctionOnly) {
  CodeChanges c = changes(kStore, replaced(kStore, "clamp(i) + size", "clamp(i) * size"));
  EXPECT_THAT(c.changed, ElementsAre("Store::get(int) const"));
  EXPECT_THAT(c.added, IsEmpty());
  EXPECT_FALSE(c.refusal);
  EXPECT_EQ(softpatch::describe(c), "1 changed (Store::get)");
}

TEST_F(Fingerprints, AConstantCountsInEveryFunctionThatUsesIt) {
  CodeChanges c = changes(kStore, replaced(kStore, "kLimit = 10", "kLimit = 20"));
  EXPECT_THAT(c.changed, ElementsAre("(anonymous namespace)::clamp(int)"));
}

TEST_F(Fingerprints, ConstructorAndDestructorBodiesChangeLive) {
  CodeChanges c = changes(kStore, replaced(kStore, ": size(n) {}", ": size(n) { ++size; }"));
  EXPECT_FALSE(c.refusal);
  EXPECT_THAT(c.changed, ElementsAre("Store::Store(int)"));
  CodeChanges d = changes(kStore, replaced(kStore, "~Store() {}", "~Store() { size = 0; }"));
  EXPECT_FALSE(d.refusal);
  EXPECT_THAT(d.changed, ElementsAre("Store::~Store()"));
}

TEST_F(Fingerprints, AFunctionTheCompilerMaySeeOtherwiseIsRefusedWhenItChanges) {
  // g++ builds the #else: the body Clang parses never runs, and a patch of
  // it would be switched in and never called.
  const char code[] =
      "#ifdef __clang__\nint which() { return 1; }\n#else\nint which() { return 2; }\n#endif\n"
      "int plain() { return 3; }\n";
  EXPECT_THAT(changes(code, replaced(code, "return 1;", "return 10;")).refusal,
              Optional(HasSubstr("which() changed: a function in an #if that the compiler may "
                                 "decide otherwise than the rewriter's Clang (it tests __clang__) "
                                 "is not patched live")));
  EXPECT_THAT(changes(code, replaced(code, "return 3;", "return 30;")).changed,
              ElementsAre("plain()"));
}

TEST_F(Fingerprints, ConstructorsAndDestructorsWithoutABodyOfTheirOwnAreRefused) {
  const char code[] =
      "struct Counter { constexpr Counter() : n(0) {} int n; };\n"
      "struct Impl { int v; };\n"
      "struct W { W(); ~W(); Counter hits; Impl* impl; };\n"
      "W::W() : impl(new Impl{1}) {}\n"
      "W::~W() = default;\n";
  // Every W made runs the build's Counter(): a changed one would not run.
  EXPECT_THAT(changes(code, replaced(code, ": n(0)", ": n(5)")).refusal,
              Optional(HasSubstr("Counter::Counter() changed: a constexpr constructor is not "
                                 "patched live")));
  EXPECT_THAT(
      changes(code, replaced(code, "W::~W() = default;", "W::~W() { delete impl; }")).refusal,
      Optional(HasSubstr("W::~W() changed: a defaulted function is not patched live")));
  const char with_body[] =
      "struct W { W(); ~W(); int* p; };\nW::W() : p(new int) {}\n"
      "W::~W() { delete p; }\n";
  EXPECT_THAT(changes(with_body, replaced(with_body, "W::~W() { delete p; }", "W::~W() = default;"))
                  .refusal,
              Optional(HasSubstr("W::~W() changed: as edited, a defaulted function")));
}

TEST_F(Fingerprints, AnEditedMemberInitialiserIsRefusedByName) {
  CodeChanges c = changes(kStore, replaced(kStore, ": size(n) {}", ": size(n + 1) {}"));
  EXPECT_THAT(c.refusal, Optional(std::string("member initialiser size of Store::Store(int) "
                                              "changed: a patch replaces constructor bodies "
                                              "only, and objects that exist keep their members: "
                                              "restart needed")));
  EXPECT_THAT(changes(kStore, replaced(kStore, ": size(n) {}", ": size(n), extra(2) {}")).refusal,
              Optional(HasSubstr("member initialiser extra of Store::Store(int) was added")));
}

TEST_F(Fingerprints, MainAndMemberInitialisersAreRefused) {
  EXPECT_THAT(changes(kStore, replaced(kStore, "get(2)", "get(3)")).refusal,
              Optional(HasSubstr("main() changed: main is not patched live")));
  EXPECT_THAT(changes(kStore, replaced(kStore, "extra = 1", "extra = 2")).refusal,
              Optional(HasSubstr("default member initialiser of Store::extra changed")));
}

TEST_F(Fingerprints, AChangedInitialiserKeepsTheRunningValue) {
  CodeChanges c = changes(kStore, replaced(kStore, "counter = 0", "counter = 5000"));
  EXPECT_FALSE(c.refusal);
  EXPECT_THAT(c.kept_values, ElementsAre("counter"));
  EXPECT_THAT(c.changed, IsEmpty());
  CodeChanges local = changes(kStore, replaced(kStore, "calls = 0", "calls = 7"));
  EXPECT_THAT(local.kept_values, ElementsAre("next::calls"));
  EXPECT_THAT(local.changed, ElementsAre("next()"));
}

TEST_F(Fingerprints, AddedAndRemovedFunctionsAreNamed) {
  CodeChanges c =
      changes(kStore, replaced(kStore, "static int counter = 0;",
                               "static int counter = 0;\nint key_prefix() { return 1; }"));
  EXPECT_THAT(c.added, ElementsAre("key_prefix()"));
  CodeChanges gone = changes(kStore, replaced(kStore, "int next() {", "int renamed() {"));
  EXPECT_THAT(gone.removed, ElementsAre("next()"));
  EXPECT_THAT(gone.added, ElementsAre("renamed()", "renamed::calls"))
      << "its static is a new one too";
}

TEST_F(Fingerprints, AMacroCountsWithWhatItExpandsTo) {
  const char code[] = "#define TWICE(x) ((x) * 2)\nint f(int a) { return TWICE(a); }\n";
  std::string edited = replaced(code, "((x) * 2)", "((x) * 3)");
  EXPECT_THAT(changes(code, edited).changed, ElementsAre("f(int)"));
}

TEST_F(Fingerprints, ConditionalCompilationCountsByWhatItKeeps) {
  const char code[] =
      "#define TRACE 0\nint traced = 0;\n"
      "int f() {\n#if TRACE\n  ++traced;\n#endif\n  return 1;\n}\n";
  EXPECT_THAT(changes(code, replaced(code, "TRACE 0", "TRACE 1")).changed, ElementsAre("f()"));
}

TEST_F(Fingerprints, WhereCodeIsDoesNotCount) {
  // A lambda's type and __LINE__ say where code is written; moving it by a
  // line changes neither what it does nor its fingerprint.
  const char code[] =
      "#include <cassert>\n"
      "template <class F> int call(F f) { return f(); }\n"
      "struct S { S(); int v; };\n"
      "S::S() : v(call([] { return 1; })) { assert(v == 1); }\n";
  EXPECT_TRUE(changes(code, replaced(code, "struct S", "\nstruct S")).none());
}

TEST_F(Fingerprints, ANewVariableIsNewCode) {
  const char code[] = "int f() { return 1; }\n";
  CodeChanges c = changes(code, std::string(code) + "static int registered = f();\n");
  EXPECT_THAT(c.added, ElementsAre("registered"));
}

TEST_F(Fingerprints, HeaderCodeCompiledIntoAFunctionCounts) {
  write("util.h", "inline int scale(int v) { return v * 2; }\nint far_away(int);\n");
  const char code[] = "#include \"util.h\"\nint f(int a) { return scale(a) + far_away(a); }\n";
  std::vector<CodeFingerprint> running = code_of(code);
  write("util.h", "inline int scale(int v) { return v * 4; }\nint far_away(int);\n");
  EXPECT_THAT(softpatch::compare(running, code_of(code)).changed, ElementsAre("f(int)"))
      << "the header's inline function is compiled into f";
  write("util.h", "inline int scale(int v) { return v * 4; }\nint far_away(int, int = 0);\n");
  running = code_of(code);
  write("util.h", "inline int scale(int v) { return v * 4; }\nint far_away(int, int = 1);\n");
  EXPECT_THAT(softpatch::compare(running, code_of(code)).changed, ElementsAre("f(int)"))
      << "a default argument is compiled into each call";
}

TEST_F(Fingerprints, HeaderDeclarationsCountByAllTheirText) {
  const char code[] =
      "#include \"util.h\"\n"
      "int limit() { return kMax; }\n"
      "int pooled() { Pool p; return p.n_; }\n"
      "int guarded() { return safe(); }\n";
  const char header[] =
      "constexpr int kMin = 1, kMax = 10;\n"
      "struct Pool { Pool() : n_{16} { } int n_; };\n"
      "inline int safe() try { return 1; } catch (...) { return 2; }\n";
  auto edited = [&](const std::string& from, const std::string& to) {
    write("util.h", header);
    std::vector<CodeFingerprint> running = code_of(code);
    write("util.h", replaced(header, from, to));
    return softpatch::compare(running, code_of(code)).changed;
  };
  EXPECT_THAT(edited("kMax = 10", "kMax = 20"), ElementsAre("limit()"))
      << "a second declarator has its own text";
  EXPECT_THAT(edited("n_{16} { }", "n_{16} { n_ += 1; }"), ElementsAre("pooled()"))
      << "a body after a braced member initialiser";
  EXPECT_THAT(edited("return 2;", "return 3;"), ElementsAre("guarded()"))
      << "the handler of a function-try-block";
}

TEST_F(Fingerprints, ACallThatNowResolvesToAnotherOverloadCounts) {
  write("util.h", "int pick(long);\n");
  const char code[] = "#include \"util.h\"\nint f() { return pick(1); }\n";
  std::vector<CodeFingerprint> running = code_of(code);
  write("util.h", "int pick(long);\nint pick(int);\n");
  EXPECT_THAT(softpatch::compare(running, code_of(code)).changed, ElementsAre("f()"));
}

TEST_F(Fingerprints, AFunctionWithASlotIsUsedByItsSlotNotItsText) {
  const char code[] = "int g() { return 1; }\nint f() { return g(); }\n";
  EXPECT_THAT(changes(code, replaced(code, "return 1;", "return 2;")).changed, ElementsAre("g()"));
}

TEST_F(Fingerprints, AConstructorThatUsesAChangedConstexprFunctionIsRefused) {
  const char code[] =
      "constexpr int start() { return 1; }\n"
      "struct S { S(); int v; };\n"
      "S::S() : v(start()) {}\n";
  EXPECT_THAT(changes(code, replaced(code, "return 1;", "return 2;")).refusal,
              Optional(HasSubstr("member initialiser v of S::S() changed")));
}

TEST_F(Fingerprints, ConstexprCodeThatLibraryCodeCallsGoesLiveThroughItsSlot) {
  // std::map's own code calls the constexpr operator<, at run time through
  // its slot (before constexpr functions had slots, this was refused).
  const char code[] =
      "#include <map>\n"
      "struct K { int v; constexpr bool operator<(const K& o) const { return v < o.v; } };\n"
      "static std::map<K, int> m;\n"
      "int add(int k) { m[K{k}]++; return static_cast<int>(m.size()); }\n";
  std::vector<CodeFingerprint> built = built_code_of(code);
  CodeChanges edit = softpatch::compare(built, code_of(replaced(code, "v < o.v", "v > o.v")));
  EXPECT_FALSE(edit.refusal) << *edit.refusal;
  EXPECT_THAT(edit.changed, Contains("K::operator<(const K &) const"));
  // Unchanged, it is no change at all (the patch's parse, which skips
  // library bodies, sees it as code of its callers only).
  EXPECT_TRUE(softpatch::compare(built, code_of(code)).none());
  // A patch's own code, compared with the build's, keeps the build's kind.
  EXPECT_TRUE(
      softpatch::compare(built, code_of(replaced(code, "m.size()", "m.size() + 0"))).refusal ==
      std::nullopt);
}

TEST_F(Fingerprints, ConstexprCodeThatPatchedFunctionsCallGoesLiveWithThem) {
  // Called by a function with a slot and in a constant expression only: the
  // patch compiles the callers again, so the edit goes live through them.
  const char code[] =
      "constexpr int twice(int x) { return 2 * x; }\n"
      "static_assert(twice(2) == 4, \"\");\n"
      "int f(int x) { return twice(x); }\n";
  CodeChanges c = changes(code, replaced(code, "return 2 * x;", "return x + x;"));
  EXPECT_FALSE(c.refusal) << *c.refusal;
  // Its own slot, for the calls at run time, and the callers, which may
  // have computed with it at compile time.
  EXPECT_THAT(c.changed, UnorderedElementsAre("twice(int)", "f(int)"));
}

TEST_F(Fingerprints, InlineCodeWhoseAddressIsKeptIsRefused) {
  // An instantiation for a lambda has no slot: the template is code of the
  // functions that instantiate it, and a pointer to it keeps the old code.
  const char code[] =
      "template <class F> int run(F f) { return f() + 1; }\n"
      "void keep() { auto l = [] { return 1; }; static int (*p)(decltype(l)) = "
      "&run<decltype(l)>; (void)p; }\n";
  EXPECT_THAT(changes(code, replaced(code, "f() + 1", "f() + 2")).refusal,
              Optional(HasSubstr("a function template that has its address taken in keep")));
}

TEST_F(Fingerprints, AConstexprFunctionWhoseAddressIsKeptGoesLiveThroughItsSlot) {
  const char code[] =
      "constexpr int one() { return 1; }\n"
      "int (*kept)() = nullptr;\n"
      "void keep() { kept = &one; }\n";
  CodeChanges c = changes(code, replaced(code, "return 1;", "return 2;"));
  EXPECT_FALSE(c.refusal) << *c.refusal;
  EXPECT_THAT(c.changed, Contains("one()"));
}

TEST_F(Fingerprints, ATemplateWithSlotsGoesLiveItselfAndWithTheFunctionsThatInstantiateIt) {
  const char code[] =
      "template <class T> T twice(T v) { return v + v; }\n"
      "int f() { return twice(2); }\n"
      "long g() { return 3; }\n"
      "int (*kept)(int) = &twice<int>;\n";  // its address is its slot's way in
  CodeChanges c = changes(code, replaced(code, "v + v", "v * 2"));
  EXPECT_FALSE(c.refusal) << *c.refusal;
  EXPECT_THAT(c.changed, ElementsAre("twice(T)", "f()"));
}

TEST_F(Fingerprints, AMemberOfAClassTemplateGoesLiveItselfAndWithItsCallers) {
  const char code[] =
      "template <class T> struct Box { T get() const { return v; } T v; };\n"
      "int f() { return Box<int>{2}.get(); }\n";
  CodeChanges c = changes(code, replaced(code, "return v;", "return v + 1;"));
  EXPECT_FALSE(c.refusal) << *c.refusal;
  EXPECT_THAT(c.changed, ElementsAre("Box::get() const", "f()"));
}

TEST_F(Fingerprints, ATemplateALambdaInstantiatesGoesLiveWithItsCallers) {
  // apply<lambda> has no record (its argument cannot be written where
  // records are): its code runs from its callers, which the patch carries.
  const char code[] =
      "template <class F> int apply(F f, int x) { return f(f(x)); }\n"
      "int run(int x) { return apply([](int v) { return v + 1; }, x); }\n"
      "int other() { return 2; }\n";
  CodeChanges c = changes(code, replaced(code, "f(f(x))", "f(x)"));
  EXPECT_FALSE(c.refusal) << *c.refusal;
  EXPECT_THAT(c.changed, ElementsAre("run(int)"));
}

TEST_F(Fingerprints, ATemplateWithoutSlotsThatOtherFilesCallIsRefused) {
  // An unnamed template parameter: no slots. Its explicit instantiation is
  // for other files, whose calls no patch of this file reaches.
  const char code[] =
      "template <class> int version() { return 1; }\n"
      "template int version<int>();\n"
      "template <class> int local() { return 1; }\n"
      "int f() { return local<int>(); }\n";
  EXPECT_THAT(
      changes(code, replaced(code, "return 1; }\ntemplate int", "return 2; }\ntemplate int"))
          .refusal,
      Optional(HasSubstr("version() changed: a function template that other files may "
                         "call (version<int> is for them too: explicitly instantiated)")));
  // One that only this file instantiates goes live with its callers.
  CodeChanges c = changes(code, replaced(code, "return 1; }\nint f", "return 2; }\nint f"));
  EXPECT_FALSE(c.refusal) << *c.refusal;
  EXPECT_THAT(c.changed, ElementsAre("f()"));
}

TEST_F(Fingerprints, ATemplateThatOnlyLibraryCodeInstantiatesIsRefused) {
  // std::map's code calls operator< <int>: no function of the file does, so
  // the edit used to be "no change in the code that runs".
  const char code[] =
      "#include <map>\n"
      "template <class T> struct Box { T v; };\n"
      "template <class T> bool operator<(const Box<T>& a, const Box<T>& b) { return a.v < b.v; }\n"
      "static std::map<Box<int>, int> m;\n"
      "int add(int k) { m[Box<int>{k}]++; return static_cast<int>(m.size()); }\n";
  std::vector<CodeFingerprint> built = built_code_of(code);
  EXPECT_THAT(
      softpatch::compare(built, code_of(replaced(code, "a.v < b.v", "a.v > b.v"))).refusal,
      Optional(AllOf(StartsWith("operator<(const Box<T> &, const Box<T> &) changed: a function "
                                "template that library code "),
                     EndsWith("is not patched live: restart needed"))));
  EXPECT_TRUE(softpatch::compare(built, code_of(code)).none());
}

TEST_F(Fingerprints, AComparatorTemplateThatALibraryTemplateHoldsIsRefused) {
  const char code[] =
      "#include <set>\n"
      "template <class T> struct Descending {\n"
      "  bool operator()(const T& a, const T& b) const { return a > b; }\n"
      "};\n"
      "static std::set<int, Descending<int>> s;\n"
      "int first(int k) { s.insert(k); return *s.begin(); }\n";
  std::vector<CodeFingerprint> built = built_code_of(code);
  EXPECT_THAT(softpatch::compare(built, code_of(replaced(code, "a > b", "a < b"))).refusal,
              Optional(HasSubstr("changed: a member of a template that library code")));
}

TEST_F(Fingerprints, AFunctionTheBuildGaveNoSlotCountsTheSameInThePatch) {
  // A macro the rewriter cannot edit: the build gives quiet() no slot, a
  // patch's parse takes it for a function with one. Its callers must hash
  // alike in both, or an unchanged main is refused.
  const char code[] =
      "#define QUIET(f) _Pragma(\"GCC diagnostic push\") f _Pragma(\"GCC diagnostic pop\")\n"
      "QUIET(int quiet() { return 1; })\n"
      "int other() { return 3; }\n"
      "int main() { return quiet() + other(); }\n";
  std::vector<CodeFingerprint> built = built_code_of(code);
  EXPECT_TRUE(softpatch::compare(built, code_of(code)).none());
  EXPECT_THAT(softpatch::compare(built, code_of(replaced(code, "return 1;", "return 2;"))).refusal,
              Optional(HasSubstr("quiet() changed: a function produced by a macro")));
}

TEST_F(Fingerprints, EachSpecialisationHasALayoutOfItsOwn) {
  const char code[] =
      "template <class T> struct Tag;\n"
      "template <> struct Tag<int> { int a; };\n"
      "template <> struct Tag<long> { long b; };\n"
      "int f() { return Tag<int>{1}.a + static_cast<int>(Tag<long>{2}.b); }\n";
  std::vector<std::string> keys;
  for (const CodeFingerprint& piece : code_of(code))
    if (piece.kind == CodeKind::kLayout) keys.push_back(piece.key);
  EXPECT_THAT(keys, ::testing::UnorderedElementsAre("layout:Tag<int>", "layout:Tag<long>"));
  EXPECT_THAT(changes(code, replaced(code, "long b;", "long b; long c;")).refusal,
              Optional(HasSubstr("class Tag<long> changed its layout")));
}

TEST_F(Fingerprints, EqualWithAndWithoutAPrecompiledPreamble) {
  // What a precompiled preamble's AST says of a header differs: bodies are
  // there, and `unsigned int` ends at `unsigned`.
  write("big.h",
        "#pragma once\n#include <functional>\n#include <map>\n#include <string>\ninline int "
        "size_of(const std::string& s) "
        "{ return static_cast<int>(s.size()); }\nusing Count = unsigned int;\n"
        "constexpr Count kStart = 2;\nenum class Mode { kOne, kTwo };\n");
  const char code[] =
      "#include \"big.h\"\n#include <vector>\n"
      "struct Item { Item() = default; int n = 3; };\n"
      "int f(const std::string& s) { std::map<int, Item> m; return size_of(s) + m[1].n; }\n"
      "Count g(Mode m) { return m == Mode::kTwo ? kStart : Count(1); }\n"
      // A closure moved into a std::function: Clang defines its move
      // constructor at once when the library comes precompiled.
      "std::function<int(int)> h(int p) { return [p](int n) { return n * p; }; }\n";
  std::vector<CodeFingerprint> plain = code_of(code);
  std::string cache = (root_ / "cache").string();
  for (int round = 0; round < 3; ++round) {  // parsed, precompiled, then loaded from the cache
    std::vector<CodeFingerprint> cached = code_of(code, cache);
    ASSERT_EQ(cached.size(), plain.size());
    for (size_t i = 0; i < plain.size(); ++i) {
      EXPECT_EQ(cached[i].key, plain[i].key);
      EXPECT_EQ(cached[i].hash, plain[i].hash) << plain[i].name << " in round " << round;
    }
  }
  int precompiled = 0;
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(cache))
    precompiled += entry.path().extension() == ".pch";
  EXPECT_EQ(precompiled, 1) << "the rounds above used a precompiled preamble";
}

// The pieces of a header (tally.h) as a patch of it from `includer` takes
// them: each function with a slot by its body, and the rest of its text.
class HeaderFingerprints : public Fingerprints {
 protected:
  // The pieces of a patch of tally.h built from `includer`.
  std::vector<CodeFingerprint> header_pieces(const std::string& includer,
                                             const std::string& cache = "") {
    std::string path = (root_ / includer).string();
    softpatch::rewriter::PatchOptions options;
    options.project_root = root_.string();
    options.patch_header = "/softpatch/patch.h";
    options.build_id = "00";
    options.preamble_cache = cache;
    options.shadow_directory = (root_ / "copies").string();
    options.header = (root_ / "tally.h").string();
    auto patch = softpatch::rewriter::make_patch_source(
        path, {"g++", "-std=c++17", "-I" + root_.string(), "-c", path}, options);
    if (!patch) {
      ADD_FAILURE() << llvm::toString(patch.takeError());
      return {};
    }
    return patch->code;
  }

  // Their hashes, by name.
  std::map<std::string, std::string> header_code(const std::string& includer,
                                                 const std::string& cache = "") {
    std::map<std::string, std::string> hashes;
    for (const CodeFingerprint& piece : header_pieces(includer, cache))
      hashes[piece.name] = piece.hash;
    return hashes;
  }

  // The pieces of `built` (tally.h's, as a.cpp takes them) that differ once
  // `from` in the header's `text` is replaced with `to`.
  std::vector<std::string> pieces_changed_by(const std::map<std::string, std::string>& built,
                                             const std::string& text, const std::string& from,
                                             const std::string& to) {
    write("tally.h", replaced(text, from, to));
    std::map<std::string, std::string> edited = header_code("a.cpp");
    std::vector<std::string> names;
    for (const auto& [name, hash] : built)
      if (edited[name] != hash) names.push_back(name);
    return names;
  }
};

const char kTally[] = R"(#pragma once
#include <string>
struct Tally {
  int count = 0;
  int add(int n) { count += n; return count; }  // in the class
  std::string describe() const;
};
inline std::string Tally::describe() const { return "tally " + std::to_string(count); }
inline int twice(int n) { return n * 2; }
)";

TEST_F(HeaderFingerprints, EachBodyAndTheRestOfTheHeaderArePiecesOfTheirOwn) {
  write("tally.h", kTally);
  write("a.cpp", "#include \"tally.h\"\nint a() { Tally t; return t.add(twice(1)); }\n");
  std::map<std::string, std::string> built = header_code("a.cpp");
  EXPECT_THAT(built, ::testing::ElementsAre(::testing::Key("Tally::add(int)"),
                                            ::testing::Key("Tally::count"),
                                            ::testing::Key("Tally::describe() const"),
                                            ::testing::Key("the declarations of tally.h"),
                                            ::testing::Key("twice(int)")));
  auto differing = [&](const std::string& from, const std::string& to) {
    return pieces_changed_by(built, kTally, from, to);
  };
  EXPECT_THAT(differing("// in the class", "/* a comment */"), IsEmpty());
  EXPECT_THAT(differing("n * 2", "n  *  2"), IsEmpty());
  EXPECT_THAT(differing("n * 2", "n * 3"), ElementsAre("twice(int)"));
  EXPECT_THAT(differing("count += n;", "count += 2 * n;"), ElementsAre("Tally::add(int)"));
  EXPECT_THAT(differing("int count = 0;", "int count = 1;"), ElementsAre("Tally::count"));
  EXPECT_THAT(differing("std::string describe() const;", "std::string describe() const;\n  int x;"),
              ElementsAre("the declarations of tally.h"));
  EXPECT_THAT(differing("inline int twice(int n)", "inline int twice(long n)"),
              ::testing::Contains("the declarations of tally.h"));
}

TEST_F(HeaderFingerprints, OverloadsOfOneNameAndTypeArePiecesOfTheirOwn) {
  // fmt's base.h: two templates that the readable name and the type alone
  // do not tell apart.
  const std::string header =
      "#pragma once\nnamespace fmt {\n"
      "template <bool B = false> constexpr int count() { return B ? 1 : 0; }\n"
      "template <bool B1, bool B2, bool... Tail> constexpr int count() {\n"
      "  return (B1 ? 1 : 0) + count<B2, Tail...>();\n}\n}\n";
  write("tally.h", header);
  write("a.cpp", "#include \"tally.h\"\nint a() { return fmt::count<true, false, true>(); }\n");
  auto pieces = [&] { return header_pieces("a.cpp"); };
  std::vector<CodeFingerprint> built = pieces();
  std::set<std::string> keys;
  for (const CodeFingerprint& piece : built)
    EXPECT_TRUE(keys.insert(piece.key).second) << "a second piece " << piece.key;
  EXPECT_EQ(keys.size(), 3u) << "the two templates and the declarations";
  // Compared with itself, nothing changed; an edit of the second is its own.
  EXPECT_TRUE(softpatch::compare(built, pieces()).none());
  write("tally.h", replaced(header, "(B1 ? 1 : 0)", "(B1 ? 2 : 0)"));
  softpatch::CodeChanges edited = softpatch::compare(built, pieces());
  ASSERT_TRUE(edited.refusal);
  EXPECT_THAT(*edited.refusal, HasSubstr("count() changed"));
}

TEST_F(HeaderFingerprints, AConstructorsMemberInitialisersArePiecesOfTheirOwn) {
  const std::string header =
      "#pragma once\nstruct W {\n  explicit W(int n) : n_(n), m_{2} { ++made; }\n  int n_, m_;\n"
      "  static int made;\n};\n";
  write("tally.h", header);
  write("a.cpp", "#include \"tally.h\"\nint a() { return W(1).n_; }\n");
  std::map<std::string, std::string> built = header_code("a.cpp");
  EXPECT_THAT(built,
              ::testing::ElementsAre(::testing::Key("W::W(int)"), ::testing::Key("m_ of W::W(int)"),
                                     ::testing::Key("n_ of W::W(int)"),
                                     ::testing::Key("the declarations of tally.h")));
  auto differing = [&](const std::string& from, const std::string& to) {
    return pieces_changed_by(built, header, from, to);
  };
  EXPECT_THAT(differing("n_(n)", "n_(n + 1)"), ElementsAre("n_ of W::W(int)"));
  EXPECT_THAT(differing("++made;", "made += 2;"), ElementsAre("W::W(int)"));
  EXPECT_THAT(differing("m_{2}", "m_{ 2 }"), IsEmpty());
}

TEST_F(HeaderFingerprints, EveryIncluderAndAPrecompiledPreambleTakeTheSamePieces) {
  write("tally.h", kTally);
  write("a.cpp", "#include \"tally.h\"\nint a() { Tally t; return t.add(twice(1)); }\n");
  write("b.cpp",
        "#include <vector>\n#include <map>\nstatic int b0() { return 0; }\n#include \"tally.h\"\n"
        "std::string b(const Tally& t) { return t.describe(); }\n");
  std::map<std::string, std::string> from_a = header_code("a.cpp");
  ASSERT_FALSE(from_a.empty());
  EXPECT_EQ(header_code("b.cpp"), from_a);
  std::string cache = (root_ / "cache").string();
  for (int round = 0; round < 3; ++round)  // parsed, precompiled, then loaded from the cache
    EXPECT_EQ(header_code("a.cpp", cache), from_a) << "round " << round;
}

TEST_F(HeaderFingerprints, ABodyCountsTheMacrosItUsesAsEachFileDefinesThem) {
  write("tally.h", "#pragma once\ninline int level() { return LEVEL; }\n");
  write("a.cpp", "#define LEVEL 1\n#include \"tally.h\"\nint a() { return level(); }\n");
  write("b.cpp", "#define LEVEL 2\n#include \"tally.h\"\nint b() { return level(); }\n");
  write("c.cpp", "#define LEVEL (0 + 1)\n#include \"tally.h\"\nint c() { return level(); }\n");
  std::map<std::string, std::string> a = header_code("a.cpp");
  EXPECT_NE(header_code("b.cpp")["level()"], a["level()"]);
  EXPECT_NE(header_code("c.cpp")["level()"], a["level()"]);
  EXPECT_EQ(header_code("b.cpp")["the declarations of tally.h"], a["the declarations of tally.h"]);
}

TEST_F(HeaderFingerprints, ABodyWithStateEachFileHasIsNotPatchedLive) {
  write("tally.h",
        "#pragma once\nstatic int hits;\nstatic inline int bump() { return ++hits; }\n"
        "static inline int counted() { static int n; return ++n; }\n"
        "static inline int twice_counted() { return 2 * counted(); }\n"
        "inline int plain(int n) { return n + 1; }\n");
  write("a.cpp", "#include \"tally.h\"\nint a() { return bump() + twice_counted() + plain(1); }\n");
  std::string path = (root_ / "a.cpp").string();
  softpatch::rewriter::PatchOptions options;
  options.project_root = root_.string();
  options.patch_header = "/softpatch/patch.h";
  options.shadow_directory = (root_ / "copies").string();
  options.header = (root_ / "tally.h").string();
  auto patch = softpatch::rewriter::make_patch_source(
      path, {"g++", "-std=c++17", "-I" + root_.string(), "-c", path}, options);
  if (!patch) FAIL() << llvm::toString(patch.takeError());
  std::map<std::string, CodeFingerprint> pieces;
  for (const CodeFingerprint& piece : patch->code) pieces[piece.name] = piece;
  EXPECT_EQ(pieces["plain(int)"].kind, CodeKind::kFunction);
  for (const char* name : {"bump()", "counted()", "twice_counted()"}) {
    EXPECT_EQ(pieces[name].kind, CodeKind::kUnpatchable) << name;
    EXPECT_THAT(pieces[name].detail, HasSubstr("a patch's copy would not share")) << name;
  }
  std::vector<std::string> carried;
  for (const auto& function : patch->functions) carried.push_back(function.name);
  EXPECT_THAT(carried, ElementsAre("plain(int)"));
}

TEST_F(HeaderFingerprints, AHeaderTheFileDoesNotIncludeIsRefusedByName) {
  write("tally.h", kTally);
  write("c.cpp", "int c() { return 3; }\n");
  std::string path = (root_ / "c.cpp").string();
  softpatch::rewriter::PatchOptions options;
  options.project_root = root_.string();
  options.patch_header = "/softpatch/patch.h";
  options.shadow_directory = (root_ / "copies").string();
  options.header = (root_ / "tally.h").string();
  auto patch = softpatch::rewriter::make_patch_source(path, {"g++", "-c", path}, options);
  ASSERT_FALSE(patch);
  EXPECT_THAT(llvm::toString(patch.takeError()), HasSubstr("instruments none of its functions"));
}

}  // namespace
