// Instrument mode, source in → source out.
#include "softpatch/rewriter/instrumenter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <tuple>

#include "scoped_env.h"
#include "softpatch/rewriter/parse_command.h"
#include "softpatch/rewriter/preamble_cache.h"

namespace {

namespace fs = std::filesystem;
using softpatch::rewriter::InstrumentedFile;
using ::testing::HasSubstr;
using ::testing::Not;

// A project directory with one source file in it.
class Project {
 public:
  Project() {
    char pattern[] = "/tmp/softpatch-rewriter-XXXXXX";
    root_ = mkdtemp(pattern);
  }
  ~Project() { fs::remove_all(root_); }

  std::string write(const std::string& relative, const std::string& code) {
    fs::path path = root_ / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << code;
    return path.string();
  }

  llvm::Expected<InstrumentedFile> instrument(const std::string& relative, const std::string& code,
                                              const std::string& standard = "-std=c++17") {
    return instrument_written(write(relative, code), standard);
  }

  llvm::Expected<InstrumentedFile> instrument_written(const std::string& path,
                                                      const std::string& standard = "-std=c++17") {
    return instrument_written(path, std::vector<std::string>{standard});
  }

  // Instruments a file already written, compiled with `flags`, with the
  // preamble cache if one is set.
  llvm::Expected<InstrumentedFile> instrument_written(const std::string& path,
                                                      const std::vector<std::string>& flags) {
    softpatch::rewriter::InstrumentOptions options{root_.string(), "/softpatch/instrument.h",
                                                   cache_};
    options.shadow_directory = shadow_directory_;
    std::vector<std::string> command{"g++"};
    command.insert(command.end(), flags.begin(), flags.end());
    command.insert(command.end(), {"-c", path});
    return softpatch::rewriter::instrument_file(path, command, options);
  }

  InstrumentedFile must_instrument_written(const std::string& path,
                                           const std::vector<std::string>& flags) {
    auto result = instrument_written(path, flags);
    if (!result) {
      ADD_FAILURE() << llvm::toString(result.takeError());
      return {};
    }
    return std::move(*result);
  }

  InstrumentedFile must_instrument_written(const std::string& path,
                                           const std::string& flag = "-std=c++17") {
    return must_instrument_written(path, std::vector<std::string>{flag});
  }

  // `code` in a.cpp instrumented first, then again once b.cpp (the same
  // text) had its preamble built: {first, reused}.
  // `a`, `b` and `c` instrumented in turn, expected to parse without a
  // preamble, to build one and to reuse it.
  std::tuple<InstrumentedFile, InstrumentedFile, InstrumentedFile> instrument_in_turn(
      const std::string& a, const std::string& b, const std::string& c) {
    std::tuple<InstrumentedFile, InstrumentedFile, InstrumentedFile> files{
        must_instrument_written(a), {}, {}};
    std::get<1>(files) = must_instrument_written(b);
    std::get<2>(files) = must_instrument_written(c);
    EXPECT_EQ(std::get<0>(files).preamble, InstrumentedFile::Preamble::kParsed) << a;
    EXPECT_EQ(std::get<1>(files).preamble, InstrumentedFile::Preamble::kBuilt) << b;
    EXPECT_EQ(std::get<2>(files).preamble, InstrumentedFile::Preamble::kReused) << c;
    return files;
  }

  std::pair<InstrumentedFile, InstrumentedFile> through_a_preamble(
      const std::string& code, const std::string& flag = "-std=c++17") {
    std::string a = write("a.cpp", code), b = write("b.cpp", code);
    InstrumentedFile first = must_instrument_written(a, flag);
    must_instrument_written(b, flag);
    return {std::move(first), must_instrument_written(a, flag)};
  }

  void use_cache() { cache_ = (root_ / "cache").string(); }
  void use_no_cache() { cache_.clear(); }
  // Instruments the project's headers too, in copies (not written).
  void copy_headers() { shadow_directory_ = (root_ / "copies").string(); }
  const fs::path& root() const { return root_; }

  InstrumentedFile must_instrument(const std::string& code, const std::string& relative = "t.cpp") {
    auto result = instrument(relative, code);
    if (!result) {
      ADD_FAILURE() << llvm::toString(result.takeError());
      return {};
    }
    return std::move(*result);
  }

 private:
  fs::path root_;
  std::string cache_;
  std::string shadow_directory_;
};

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The rewritten text of the user's own lines: after "#line 1", before the epilogue.
std::vector<std::string> user_lines(const InstrumentedFile& file) {
  std::vector<std::string> all = lines(file.source);
  auto begin = std::find_if(all.begin(), all.end(),
                            [](const std::string& l) { return l.rfind("#line 1 ", 0) == 0; });
  auto end = std::find_if(begin, all.end(), [](const std::string& l) {
    return l.find("Added by softpatch-rewrite") != std::string::npos;
  });
  EXPECT_NE(begin, all.end());
  return {begin + 1, end - 1};  // the epilogue starts with an empty line
}

// "name: reason" for each function left alone.
std::vector<std::string> reasons(const InstrumentedFile& file) {
  std::vector<std::string> out;
  for (const auto& skipped : file.skipped) out.push_back(skipped.name + ": " + skipped.reason);
  return out;
}

TEST(Instrument, AFunctionInAnIfThatTellsCompilersApartGetsNoSlotUnderAnotherCompiler) {
  Project project;
  std::string path = project.write("t.cpp", R"(#ifdef __has_feature
#define HAS_FEATURE(x) __has_feature(x)
#else
#define HAS_FEATURE(x) 0
#endif
#if defined(__clang__)
#define FAST 1
#endif
#ifdef __clang__
int which() { return 1; }
#else
int which() { return 2; }
#endif
#if HAS_FEATURE(cxx_strong_enums)
enum big : unsigned long long { big_value = 1 };
unsigned long long as_number(big b) { return b; }
#endif
#if FAST
int fast() { return 3; }
#endif
#ifndef NDEBUG
int checked() { return 4; }
#endif
#if __cplusplus >= 201703L
int modern() { return 5; }
#endif
)");
  softpatch::rewriter::InstrumentOptions options{project.root().string(), "/softpatch/instrument.h",
                                                 ""};
  auto gxx = softpatch::rewriter::instrument_file(path, {"g++", "-std=c++17", "-c", path}, options);
  ASSERT_TRUE(bool(gxx)) << llvm::toString(gxx.takeError());
  const std::string why =
      ": in an #if that the compiler may decide otherwise than the rewriter's "
      "Clang (it tests ";
  EXPECT_THAT(reasons(*gxx), ::testing::UnorderedElementsAre("which" + why + "__clang__)",
                                                             "as_number" + why + "HAS_FEATURE)",
                                                             "fast" + why + "FAST)"));
  std::vector<std::string> names;
  for (const auto& f : gxx->functions) names.push_back(f.name);
  EXPECT_THAT(names, ::testing::ElementsAre("checked()", "modern()"))
      << "-D macros and the standard are the compiler's as much as Clang's";
  EXPECT_THAT(gxx->source, Not(HasSubstr("&which")));

  // The same Clang takes the same branches.
  auto clang =
      softpatch::rewriter::instrument_file(path, {"clang++", "-std=c++17", "-c", path}, options);
  ASSERT_TRUE(bool(clang)) << llvm::toString(clang.takeError());
  names.clear();
  for (const auto& f : clang->functions) names.push_back(f.name);
  EXPECT_THAT(names, ::testing::Contains("which()"));
}

TEST(Instrument, TrampolineGoesOnTheLineOfTheBrace) {
  Project p;
  InstrumentedFile f = p.must_instrument("int add2(int a)\n{\n  return a + 2;\n}\n");
  std::vector<std::string> body = user_lines(f);
  ASSERT_EQ(body.size(), 4u);
  EXPECT_EQ(body[0], "int add2(int a)");
  EXPECT_THAT(body[1], HasSubstr("{ if (::__softpatch_raw_function __softpatch_target = "
                                 "::__softpatch_target_of(::__softpatch_slots[0])"));
  EXPECT_THAT(body[1], HasSubstr("__softpatch_call<int, decltype(a)>"));
  EXPECT_EQ(body[2], "  return a + 2;");
  ASSERT_EQ(f.functions.size(), 1u);
  EXPECT_EQ(f.functions[0].line, 1u);
  EXPECT_THAT(f.source, HasSubstr("#line 1 \""));
}

TEST(Instrument, FunctionLocalStaticsAreBoundThroughTheVariableStore) {
  Project p;
  InstrumentedFile f = p.must_instrument(
      "int next_id() {\n"
      "  static int counter = 0;\n"
      "  static const int kStep = 1;\n"
      "  return counter += kStep;\n"
      "}\n");
  std::vector<std::string> body = user_lines(f);
  ASSERT_EQ(body.size(), 5u);
  EXPECT_EQ(body[1],
            "  static auto& counter = ::__softpatch_bind(\"_Z7next_idv\", \"counter\", []() { "
            "static int counter = 0; return &counter; });");
  EXPECT_EQ(body[2], "  static const int kStep = 1;");  // constants stay as written
}

TEST(Instrument, UserMacrosCannotReachTheInsertedNames) {
  Project p;
  InstrumentedFile f = p.must_instrument(
      "#define internal static\n#define current nope\nint f(int x) { return x; }\n");
  EXPECT_THAT(f.source, Not(HasSubstr("::softpatch::internal")));
  EXPECT_THAT(f.source, Not(HasSubstr(".current(")));
}

TEST(Instrument, OlderStandardsGetAPlainDeclarationCondition) {
  Project p;
  auto f = p.instrument("old.cpp", "int add2(int a) { return a + 2; }\n", "-std=c++14");
  ASSERT_TRUE(static_cast<bool>(f)) << llvm::toString(f.takeError());
  EXPECT_THAT(f->source, HasSubstr("{ if (::__softpatch_raw_function __softpatch_target = "
                                   "::__softpatch_target_of(::__softpatch_slots[0])) return"));
}

TEST(Instrument, LineCountAndTextOutsideBodiesAreUnchanged) {
  Project p;
  std::string code =
      "#include <string>\n"
      "// a comment\n"
      "namespace ns {\n"
      "struct S { int get() const { return 1; } };\n"
      "static int helper(int, int b) { return b; }\n"
      "}\n"
      "int main() { return ns::S{}.get(); }\n";
  InstrumentedFile f = p.must_instrument(code);
  std::vector<std::string> original = lines(code), body = user_lines(f);
  ASSERT_EQ(body.size(), original.size());
  for (size_t i = 0; i < original.size(); ++i) {
    std::string before_brace = original[i].substr(0, original[i].find('{'));
    // Only unnamed parameters gain a name before the brace.
    if (original[i].find("int, int b") == std::string::npos) {
      EXPECT_EQ(body[i].substr(0, before_brace.size()), before_brace) << "line " << i + 1;
    }
  }
  EXPECT_EQ(body[6], original[6]);  // main is left alone
}

TEST(Instrument, UnnamedParametersAreNamedAndForwarded) {
  Project p;
  InstrumentedFile f = p.must_instrument("int second(int, int b) { return b; }\n");
  EXPECT_THAT(f.source, HasSubstr("int second(int __softpatch_arg0 , int b)"));
  EXPECT_THAT(f.source, HasSubstr("static_cast<decltype(__softpatch_arg0)&&>(__softpatch_arg0)"));
}

TEST(Instrument, MethodsPassThisFirst) {
  Project p;
  InstrumentedFile f = p.must_instrument("struct C { int v; int get() const && { return v; } };\n");
  EXPECT_THAT(f.source,
              HasSubstr("__softpatch_call<int, decltype(this)>(this, __softpatch_target)"));
  ASSERT_EQ(f.functions.size(), 1u);
  EXPECT_EQ(f.functions[0].name, "C::get() const &&");
  EXPECT_EQ(f.functions[0].signature, "int (const C *)");
}

TEST(Instrument, FunctionTryBlockBecomesATryInsideThePlainBody) {
  Project p;
  InstrumentedFile f =
      p.must_instrument("int f(int x) try { return x; } catch (...) { return -1; }\n");
  std::vector<std::string> body = user_lines(f);
  ASSERT_EQ(body.size(), 1u);
  EXPECT_THAT(body[0], HasSubstr("int f(int x) { if ("));
  EXPECT_THAT(body[0], HasSubstr("try { return x; } catch (...) { return -1; } }"));
}

TEST(Instrument, NoreturnFunctionsTrapIfTheReplacementReturns) {
  Project p;
  InstrumentedFile f = p.must_instrument("[[noreturn]] void die() { throw 1; }\n");
  EXPECT_THAT(f.source,
              HasSubstr("__softpatch_call<void>(__softpatch_target); __builtin_trap(); }"));
}

TEST(Instrument, DeducedReturnTypesAreSpelledOut) {
  Project p;
  InstrumentedFile f = p.must_instrument(
      "static int counter;\n"
      "auto half(int a) { return a / 2.0; }\n"
      "decltype(auto) ref() { return (counter); }\n"
      "auto trailing(int a) -> long { return a; }\n");
  EXPECT_THAT(f.source, HasSubstr("__softpatch_call<double, decltype(a)>"));
  EXPECT_THAT(f.source, HasSubstr("__softpatch_call<int &>"));
  EXPECT_THAT(f.source, HasSubstr("__softpatch_call<long, decltype(a)>"));
}

TEST(Instrument, ExplainsWhatIsNotInstrumented) {
  Project p;
  InstrumentedFile f = p.must_instrument(R"cpp(
#define MAKE(name) \
      int name() { return 1; }
    struct S {
      S() {}
      ~S() {}
      S(const S&) = delete;
      S& operator=(const S&) = default;
    };
    struct T {
      T() try {
      } catch (...) {
      }
      ~T() try {
      } catch (...) {
      }
    };
    constexpr int square(int x) { return x * x; }
    template <class T>
    T identity(T t) {
      return t;
    }
    template <class T>
    struct Box {
      T get() const { return t; }
      T t;
    };
    int sum(int n, ...) { return n; }
    int skipped() { return 2; }  // softpatch: skip
    // softpatch: skip
    int opted() { return 3; }
    int kept(int x) {
      auto l = [x](int y) { return y + x; };
      struct Local {
        Local() {}
      };
      return l(x) + identity(x);
    }
    int main() { return kept(0); }
  )cpp");
  EXPECT_THAT(reasons(f), ::testing::UnorderedElementsAre(
                              "T::T: constructor with a function-try-block",
                              "T::~T: destructor with a function-try-block",
                              "kept(int)::Local::Local: constructor of a class local to a function",
                              "S::S: deleted function", "S::operator=: defaulted function",
                              "sum: C variadic function", "skipped: opted out (softpatch: skip)",
                              "opted: opted out (softpatch: skip)", "main: main"));
  // Templates are instrumented: each instantiation, then each template.
  // A constexpr function too: its slot serves calls at run time; and a
  // lambda, after the functions.
  ASSERT_EQ(f.functions.size(), 8u);
  EXPECT_EQ(f.functions[0].name, "S::S()");
  EXPECT_EQ(f.functions[1].name, "S::~S()");
  EXPECT_EQ(f.functions[2].name, "square(int)");
  EXPECT_EQ(f.functions[3].name, "kept(int)");
  EXPECT_EQ(f.functions[4].name, "kept(int)::<lambda at line 33>(int) const");
  EXPECT_EQ(f.functions[5].name, "identity<int>(int)");
  EXPECT_TRUE(f.functions[5].instantiation);
  EXPECT_EQ(f.functions[6].name, "identity(T)");
  EXPECT_EQ(f.functions[7].name, "Box::get() const");
}

TEST(Instrument, FunctionsMadeByMacrosAreWrittenOutAndInstrumented) {
  Project p;
  InstrumentedFile f = p.must_instrument(
      "#define GETTER(name, value) int get_##name() { return value; }\n"
      "#define BODY { return 7; }\n"
      "GETTER(one,\n"
      "       1)\n"
      "int seven() BODY\n"
      "int after() { return __LINE__; }\n");
  std::vector<std::string> body = user_lines(f);
  ASSERT_EQ(body.size(), 6u);
  // The invocation is replaced by its expansion on its first line...
  EXPECT_THAT(body[2], HasSubstr("int get_one ( ) {  if (::__softpatch_raw_function"));
  EXPECT_THAT(body[2], HasSubstr("return 1 ; }"));
  EXPECT_EQ(body[3], "");  // ...and the lines it spanned stay, empty
  EXPECT_THAT(body[4], HasSubstr("int seven() {  if (::__softpatch_raw_function"));
  EXPECT_THAT(body[5], HasSubstr("int after() { if (::__softpatch_raw_function"));
  ASSERT_EQ(f.functions.size(), 3u);
  EXPECT_EQ(f.functions[0].name, "get_one()");
  EXPECT_EQ(f.functions[0].line, 3u);
}

TEST(Instrument, MacrosWithPragmasAreLeftAlone) {
  Project p;
  InstrumentedFile f = p.must_instrument(
      "#define QUIET(f) _Pragma(\"GCC diagnostic push\") f _Pragma(\"GCC diagnostic pop\")\n"
      "QUIET(int quiet() { return 1; })\n");
  EXPECT_TRUE(f.functions.empty());
  ASSERT_EQ(f.skipped.size(), 1u);
  EXPECT_EQ(f.skipped[0].reason, "produced by a macro in a way that cannot be rewritten");
}

TEST(Instrument, IdsAreStableAcrossCopiesAndEdits) {
  Project a, b;
  std::string code =
      "namespace { int hidden(int x) { return x; } }\nint shown(int x) { return x; }\n";
  InstrumentedFile first = a.must_instrument(code, "src/file.cpp");
  InstrumentedFile copy = b.must_instrument(code, "src/file.cpp");
  InstrumentedFile edited = b.must_instrument(
      "int added() { return 0; }\n" + code + "int more() { return 1; }\n", "src/file.cpp");
  ASSERT_EQ(first.functions.size(), 2u);
  EXPECT_EQ(first.functions[0].id, "src/file.cpp:_ZN12_GLOBAL__N_16hiddenEi");
  EXPECT_EQ(first.functions[1].id, "_Z5showni");
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(copy.functions[i].id, first.functions[i].id);
    EXPECT_EQ(edited.functions[i + 1].id, first.functions[i].id);
  }
}

TEST(Instrument, RecordsMutableInternalVariablesOnly) {
  Project p;
  InstrumentedFile f = p.must_instrument(
      "static int a;\nnamespace { int b; const int c = 1; }\nint d;\nconstexpr int e = 2;\n"
      "static thread_local int g;\nint use() { return a + b + c + d + e + g; }\n");
  EXPECT_EQ(f.variables, 3u);
  EXPECT_THAT(f.source, HasSubstr("{\"a\", \"int\""));
  EXPECT_THAT(f.source, HasSubstr("{\"(anonymous namespace)::b\", \"int\""));
  EXPECT_THAT(f.source, HasSubstr("{\"g\", \"int\", &::__softpatch_variable_address2, true}"));
}

TEST(Instrument, ParseErrorsNameTheFileAndLine) {
  Project p;
  auto result = p.instrument("bad.cpp", "int ok() { return 0; }\nint broken( { }\n");
  ASSERT_FALSE(result);
  std::string message = llvm::toString(result.takeError());
  EXPECT_THAT(message, HasSubstr("bad.cpp:2:"));
  EXPECT_THAT(message, HasSubstr("error:"));
}

// A header function that is hidden in its module (-fvisibility=hidden) has
// a copy there of its own, with its own inline variables: its slot is the
// module's own (hidden too), and its record says so. Not when only
// -fvisibility-inlines-hidden hides it (its state stays shared), nor for a
// class that says it is seen (visibility("default")) unless
// -fvisibility-inlines-hidden hides its methods in a hidden module: they
// call the module's own inline functions.
TEST(Instrument, AHeaderFunctionHiddenInItsModuleHasASlotOfTheModulesOwn) {
  Project p;
  p.copy_headers();
  p.write(
      "h.h",
      "#pragma once\ninline int free_inline(int x) { return x; }\n"
      "struct __attribute__((visibility(\"default\"))) Shown { int get() const { return 1; } };\n");
  std::string a =
      p.write("a.cpp", "#include \"h.h\"\nint use() { return free_inline(1) + Shown().get(); }\n");
  auto own_copies = [&](const std::vector<std::string>& flags) {
    std::vector<std::string> own;
    InstrumentedFile file = p.must_instrument_written(a, flags);
    for (const auto& f : file.functions)
      if (f.own_copy && !f.file.empty()) own.push_back(f.name);  // the header's
    bool hidden_slot =
        file.source.find("weak, visibility(\"hidden\"))) ::__softpatch_slot") != std::string::npos;
    EXPECT_EQ(hidden_slot, !own.empty()) << flags.front();
    return own;
  };
  EXPECT_THAT(own_copies({"-fvisibility=hidden"}), ::testing::ElementsAre("free_inline(int)"));
  EXPECT_THAT(own_copies({"-fvisibility=hidden", "-fvisibility-inlines-hidden"}),
              ::testing::UnorderedElementsAre("free_inline(int)", "Shown::get() const"));
  EXPECT_THAT(own_copies({"-fvisibility-inlines-hidden"}), ::testing::IsEmpty());
  EXPECT_THAT(own_copies({"-std=c++17"}), ::testing::IsEmpty());
}

// A header's copy names it, in its #line, without the `.` parts of the
// search path it was found through, which a precompiled preamble drops:
// the copy reads the same with a preamble and without (fmt's -I dir/.).
TEST(Instrument, AHeaderCopyNamesTheHeaderWithoutDotParts) {
  Project p;
  p.copy_headers();
  p.write("inc/h.h", "#pragma once\ninline int h() { return 1; }\n");
  std::string a = p.write("a.cpp", "#include <h.h>\nint use() { return h(); }\n");
  InstrumentedFile file =
      p.must_instrument_written(a, {"-std=c++17", "-I" + (p.root() / "inc" / ".").string()});
  ASSERT_EQ(file.headers.size(), 1u);
  EXPECT_THAT(file.headers[0].text,
              ::testing::StartsWith("#line 1 \"" + (p.root() / "inc" / "h.h").string() + "\"\n"));
}

TEST(Instrument, OptOutsLeaveTheWholeFileAlone) {
  Project p;
  InstrumentedFile marked = p.must_instrument("// softpatch: skip-file\nint f() { return 1; }\n");
  EXPECT_EQ(marked.opted_out, "opted out (softpatch: skip-file)");
  EXPECT_TRUE(marked.functions.empty());
  p.write("vendor/.softpatch-skip", "");
  InstrumentedFile vendored = p.must_instrument("int g() { return 1; }\n", "vendor/lib/g.cpp");
  EXPECT_THAT(vendored.opted_out, HasSubstr("opted out by "));
  EXPECT_THAT(vendored.opted_out, HasSubstr("vendor/.softpatch-skip"));
  EXPECT_EQ(vendored.source, "int g() { return 1; }\n");
}

TEST(Instrument, FileWithNothingToInstrumentIsUnchanged) {
  Project p;
  std::string code = "int main() { return 0; }\n";
  EXPECT_EQ(p.must_instrument(code).source, code);
}

using Preamble = InstrumentedFile::Preamble;

const char* const kWithIncludes =
    "#include <map>\n"
    "#include <string>\n"
    "#include \"local.h\"\n"
    "int size_of(const std::map<std::string, int>& m) { return int(m.size()) + kLocal; }\n";

TEST(PreambleCache, SecondSightingBuildsLaterOnesReuse) {
  Project p;
  p.use_cache();
  p.write("local.h", "#pragma once\nconstexpr int kLocal = 1;\n");
  std::string a = p.write("a.cpp", kWithIncludes), b = p.write("b.cpp", kWithIncludes);
  auto [first, second, third] = p.instrument_in_turn(a, b, a);
  // Same result with and without the cache.
  EXPECT_EQ(third.source, first.source);
  ASSERT_EQ(third.functions.size(), 1u);
  EXPECT_EQ(third.functions[0].id, first.functions[0].id);
}

// Files that begin with the same includes and go on with others of their
// own share an entry of the part they have in common, once two have it;
// each reads the same as parsed without the cache. A part that ends inside
// an #if or after a #pragma, or an include in a comment, is no part.
TEST(PreambleCache, FilesThatBeginAlikeShareTheFirstPart) {
  Project p;
  p.use_cache();
  p.write("common.h", "#pragma once\n#include <map>\ninline int common() { return 1; }\n");
  auto file = [&](const std::string& name, const std::string& own) {
    return p.write(name, "#include \"common.h\"\n/* #include <set>\n */#include " + own +
                             "\n#if 1\n#include <cstdio>\n#endif\nint " + name.substr(0, 1) +
                             "() { return common(); }\n");
  };
  InstrumentedFile third = std::get<2>(p.instrument_in_turn(
      file("a.cpp", "<vector>"), file("b.cpp", "<string>"), file("c.cpp", "<list>")));
  std::string c = p.root().string() + "/c.cpp";
  // A pack pushed before the include would be pushed twice: no part there.
  auto packed = [&](const std::string& name, const std::string& own) {
    return p.write(name, "#pragma pack(push, 1)\n#include \"common.h\"\n#include " + own +
                             "\n#pragma pack(pop)\nint " + name.substr(0, 1) +
                             "() { return common(); }\n");
  };
  std::string d = packed("d.cpp", "<vector>"), e = packed("e.cpp", "<string>");
  EXPECT_EQ(p.must_instrument_written(d).preamble, Preamble::kParsed);
  EXPECT_EQ(p.must_instrument_written(e).preamble, Preamble::kParsed);
  p.use_no_cache();
  InstrumentedFile parsed = p.must_instrument_written(c);
  EXPECT_EQ(parsed.preamble, Preamble::kParsed);
  EXPECT_EQ(third.source, parsed.source);
  EXPECT_EQ(third.functions.size(), 1u);
}

TEST(PreambleCache, WhatTellsCompilersApartIsSeenThroughAPrecompiledPreamble) {
  Project p;
  p.use_cache();
  p.write("fast.h", "#pragma once\n#ifdef __clang__\n#define FAST 1\n#endif\n");
  p.write("impl.inc", "int clang_only() { return 2; }\n");
  const char code[] =
      "#include \"fast.h\"\nint plain() { return 1; }\n#if FAST\nint fast() { return 3; }\n"
      "#endif\n#ifdef __clang__\n#include \"impl.inc\"\n#endif\n";
  auto [first, reused] = p.through_a_preamble(code);
  ASSERT_EQ(reused.preamble, Preamble::kReused);
  for (const InstrumentedFile* file : {&first, &reused}) {
    std::vector<std::string> names;
    for (const auto& f : file->functions) names.push_back(f.name);
    EXPECT_THAT(names, ::testing::ElementsAre("plain()"))
        << (file == &first ? "parsed" : "with the preamble");
  }
  EXPECT_EQ(reasons(reused), reasons(first));
}

TEST(PreambleCache, MacrosOfTheCommandLineTellNoCompilersApartThroughAPreamble) {
  // A header-only build's switch (-DHEADER_ONLY) and the guards it leads
  // through: with a preamble, Clang places -D macros in "<built-in>".
  Project p;
  p.use_cache();
  p.copy_headers();
  p.write("h.hpp",
          "#ifndef H_HPP_\n#define H_HPP_\nnamespace n {\ninline int in_h(int x) { return x; }\n}\n"
          "#ifdef HEADER_ONLY\n#include \"h2.hpp\"\n#endif\n#endif\n");
  p.write("h2.hpp",
          "#ifndef H2_HPP_\n#define H2_HPP_\n#include \"h.hpp\"\nnamespace n {\n"
          "inline long in_h2(long x) { return x; }\n}\n#endif\n");
  const char code[] = "#include \"h.hpp\"\nint user() { return n::in_h(1) + int(n::in_h2(2)); }\n";
  auto [first, reused] = p.through_a_preamble(code, "-DHEADER_ONLY=1");
  ASSERT_EQ(reused.preamble, Preamble::kReused);
  EXPECT_EQ(reasons(reused), reasons(first));
  EXPECT_EQ(reused.source, first.source);
  EXPECT_EQ(reused.functions.size(), 3u) << "user(), n::in_h(int), n::in_h2(long)";
  for (const std::string& reason : reasons(reused))
    EXPECT_THAT(reason, Not(HasSubstr("may decide otherwise")));
}

// A precompiled preamble keeps one location of a builtin type: a template's
// call of its slot spelled `long double` as `long` through one (a wrong
// return register), and `long long` as `long`.
TEST(PreambleCache, BuiltinTypesOfManyWordsAreWrittenWholeThroughAPreamble) {
  Project p;
  p.use_cache();
  p.copy_headers();
  p.write(
      "w.h",
      "#pragma once\ntemplate <class T> struct W {\n  long double half() const { return 0.5L; }\n"
      "  unsigned long long int big() const { return 1; }\n"
      "  auto wide() const -> long long { return 2; }\n};\n");
  const char code[] =
      "#include \"w.h\"\nlong double use(const W<int>& w) { return w.half() + "
      "w.big() + w.wide(); }\n";
  auto [first, reused] = p.through_a_preamble(code);
  ASSERT_EQ(reused.preamble, Preamble::kReused);
  ASSERT_EQ(first.headers.size(), 1u);
  ASSERT_EQ(reused.headers.size(), 1u);
  EXPECT_EQ(reused.headers[0].text, first.headers[0].text);
  for (const char* call :
       {"__softpatch_call<long double,", "__softpatch_call<unsigned long long int,",
        "__softpatch_call<long long,"})
    EXPECT_THAT(reused.headers[0].text, HasSubstr(call));
}

// A library's template body, parsed in a precompiled preamble, made the
// parse through it instrument the project's instantiations that body calls,
// which a parse without it skips (fmt's `operator==<unsigned long long>`,
// called from GoogleTest's EXPECT_EQ): a preamble skips the bodies a parse
// skips.
TEST(PreambleCache, APreambleParsesTheBodiesAParseDoes) {
  Project p;
  p.use_cache();
  p.copy_headers();
  char pattern[] = "/tmp/softpatch-library-XXXXXX";
  fs::path library = mkdtemp(pattern);
  std::ofstream(library / "same.h")
      << "#pragma once\ntemplate <class T> bool same(const T& a, const T& b) { return a == b; }\n";
  p.write("fp.h",
          "#pragma once\nnamespace n {\ntemplate <class F> struct Fp { F f; };\n"
          "template <class F> bool operator==(Fp<F> a, Fp<F> b) { return a.f == b.f; }\n}\n");
  const char code[] =
      "#include <same.h>\n#include \"fp.h\"\nbool check() { return same(n::Fp<long>{1}, "
      "n::Fp<long>{1}); }\n";
  auto [first, reused] = p.through_a_preamble(code, "-I" + library.string());
  fs::remove_all(library);
  ASSERT_EQ(reused.preamble, Preamble::kReused);
  auto names = [](const InstrumentedFile& file) {
    std::vector<std::string> out;
    for (const auto& f : file.functions) out.push_back(f.name);
    return out;
  };
  EXPECT_EQ(names(reused), names(first));
  EXPECT_EQ(reused.source, first.source);
}

// A template's slot key is the same through a preamble: fmt's
// compile_string_to_view (an array by reference, sized by a template
// parameter) got another key there, so a patch parsed with a preamble
// could never reach the build's slots.
TEST(PreambleCache, ATemplatesSlotKeyIsTheSameThroughAPreamble) {
  Project p;
  p.use_cache();
  p.copy_headers();
  p.write("v.h",
          "#pragma once\nnamespace n {\ntemplate <typename Char> struct View { const Char* s; };\n"
          "template <typename T, unsigned long M> int size_of(const T (&)[M]) { return M; }\n"
          "template <typename Char, unsigned long N>\n"
          "constexpr auto to_view(const Char (&s)[N]) -> View<Char> { return {s}; }\n}\n");
  const char code[] = "#include \"v.h\"\nint use() { return *n::to_view(\"abc\").s; }\n";
  auto [first, reused] = p.through_a_preamble(code);
  ASSERT_EQ(reused.preamble, Preamble::kReused);
  EXPECT_EQ(reused.source, first.source);
  ASSERT_EQ(reused.headers.size(), 1u);
  ASSERT_EQ(first.headers.size(), 1u);
  EXPECT_EQ(reused.headers[0].text, first.headers[0].text);
}

TEST(PreambleCache, ChangedHeaderIsNeverReadFromTheCache) {
  Project p;
  p.use_cache();
  std::string header = p.write("local.h", "#pragma once\nconstexpr int kLocal = 1;\n");
  std::string a = p.write("a.cpp", kWithIncludes);
  p.must_instrument_written(a);
  ASSERT_EQ(p.must_instrument_written(a).preamble, Preamble::kBuilt);
  // The header now declares a function the file uses: a stale preamble
  // would make the parse fail.
  p.write("local.h", "#pragma once\nconstexpr int kLocal = 2;\nint extra();\n");
  fs::last_write_time(header, fs::last_write_time(header) + std::chrono::seconds(5));
  std::string code = std::string(kWithIncludes) + "int use() { return extra(); }\n";
  p.write("a.cpp", code);
  InstrumentedFile changed = p.must_instrument_written(a);
  EXPECT_NE(changed.preamble, Preamble::kReused);
  EXPECT_EQ(changed.functions.size(), 2u);
}

TEST(PreambleCache, AnEditOfTheSameSizeWithinTheSameSecondIsSeen) {
  // Clang checks a preamble's inputs by size and whole seconds: the cache
  // checks them to the nanosecond before it hands an entry out again.
  Project p;
  const std::string before = "#pragma once\nconstexpr int kLocal = 1;\n// ------------\n";
  const std::string after = "#pragma once\nconstexpr int kLocal = 1;\nint extra();   \n";
  ASSERT_EQ(before.size(), after.size());
  std::string header = p.write("local.h", before);
  auto second = std::chrono::floor<std::chrono::seconds>(fs::last_write_time(header)) -
                std::chrono::seconds(1);  // in the past, whatever the time now
  fs::last_write_time(header, second + std::chrono::milliseconds(100));
  std::string a = p.write("a.cpp", kWithIncludes);
  softpatch::rewriter::PreambleCache cache((p.root() / "cache").string(), 1 << 30, "",
                                           /*at_first_sight=*/true);
  std::vector<std::string> command = {"clang++", "-std=c++17", a};
  auto built = cache.lookup(a, command);
  ASSERT_TRUE(built && built->built_now);
  auto reused = cache.lookup(a, command);
  ASSERT_TRUE(reused && !reused->built_now);
  p.write("local.h", after);
  fs::last_write_time(header, second + std::chrono::milliseconds(600));
  auto again = cache.lookup(a, command);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->built_now) << "the entry of the old text was handed out";
}

TEST(PreambleCache, StaysOutOfTheWayOfTheBuildsOwnPrecompiledHeader) {
  Project p;
  std::string a = p.write("a.cpp", kWithIncludes);
  softpatch::rewriter::PreambleCache cache((p.root() / "cache").string(), 1 << 30);
  std::vector<std::string> command = {"clang++", "-include-pch", "cmake_pch.hxx.pch", a};
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(cache.lookup(a, command).has_value());
}

// The *.pch files of a cache directory, by name.
std::vector<std::string> precompiled_in(const fs::path& directory) {
  std::vector<std::string> out;
  for (const fs::directory_entry& e : fs::directory_iterator(directory))
    if (e.path().extension() == ".pch") out.push_back(e.path().filename().string());
  return out;
}

TEST(PreambleCache, TrimmedToItsLimitOldestFirstKeepingTheEntryJustBuilt) {
  Project p;
  p.write("local.h", "#pragma once\nconstexpr int kLocal = 1;\n");
  p.write("other.h", "#pragma once\nconstexpr int kOther = 2;\n");
  std::string a = p.write("a.cpp", "#include \"local.h\"\nint f() { return kLocal; }\n");
  std::string b = p.write("b.cpp", "#include \"other.h\"\nint g() { return kOther; }\n");
  fs::path directory = p.root() / "cache";
  // An entry of an older format, under a name no key makes now: never read,
  // and the first to go.
  fs::create_directories(directory);
  std::string old = (directory / "0123456789abcdef0123456789abcdef01234567.pch").string();
  std::ofstream(old) << "not a precompiled header";
  fs::last_write_time(old, fs::last_write_time(old) - std::chrono::hours(1));

  // One byte: any entry is over the limit, yet the one just built stays.
  softpatch::rewriter::PreambleCache cache(directory.string(), 1);
  auto command = [](const std::string& file) {
    return std::vector<std::string>{"clang++", "-fsyntax-only", "-std=c++17", file};
  };
  EXPECT_FALSE(cache.lookup(a, command(a)).has_value());  // seen once
  std::optional<softpatch::rewriter::PreambleCache::Entry> built = cache.lookup(a, command(a));
  ASSERT_TRUE(built.has_value());
  EXPECT_TRUE(built->built_now);
  EXPECT_TRUE(fs::exists(built->pch));
  EXPECT_FALSE(fs::exists(old));
  EXPECT_EQ(precompiled_in(directory),
            std::vector<std::string>{fs::path(built->pch).filename().string()});

  // A second entry: the first, now the oldest, goes.
  EXPECT_FALSE(cache.lookup(b, command(b)).has_value());
  std::optional<softpatch::rewriter::PreambleCache::Entry> second = cache.lookup(b, command(b));
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(precompiled_in(directory),
            std::vector<std::string>{fs::path(second->pch).filename().string()});
  EXPECT_FALSE(fs::exists(built->pch));
  EXPECT_FALSE(fs::exists(fs::path(built->pch).replace_extension(".h")));
}

TEST(PreambleCache, OffWhenAskedTo) {
  {
    ScopedEnv off("SOFTPATCH_CACHE_DIR", "off");
    EXPECT_EQ(softpatch::rewriter::PreambleCache::default_directory(), "");
  }
  ScopedEnv unset("SOFTPATCH_CACHE_DIR", nullptr);
  ScopedEnv xdg("XDG_CACHE_HOME", "/somewhere");
  EXPECT_EQ(softpatch::rewriter::PreambleCache::default_directory(), "/somewhere/softpatch");
}

// Every file a build compiles asks its compiler what it predefines: what
// the compiler said is kept in the cache, for the processes that follow.
TEST(ParseCommand, WhatTheCompilerPredefinesIsKeptForOtherProcesses) {
  fs::path dir = fs::temp_directory_path() / ("softpatch-probe-" + std::to_string(getpid()));
  fs::remove_all(dir);
  ScopedEnv cache("SOFTPATCH_CACHE_DIR", dir.c_str());
  std::string said = softpatch::rewriter::compiler_predefines({"g++", "-O1", "-std=c++14"});
  EXPECT_THAT(said, HasSubstr("#define __OPTIMIZE__ 1"));
  std::vector<fs::path> kept;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().extension() == ".probe") kept.push_back(entry.path());
  ASSERT_EQ(kept.size(), 1u);
  std::ifstream in(kept.front());
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), said);
  fs::remove_all(dir);
}

TEST(ParseCommand, KeepsMeaningDropsOutputs) {
  std::vector<std::string> out = softpatch::rewriter::parse_command(
      {"/usr/bin/g++", "-DX=1", "-Iinc", "-std=c++20", "-O2", "-Wall", "-MD", "-MT", "a.o", "-MF",
       "a.o.d", "-o", "a.o", "-c", "/work/src/a.cpp", "-include", "pch.hxx",
       "-fdiagnostics-color=always"},
      "/work/src/a.cpp");
  std::string joined;
  for (const std::string& arg : out) joined += arg + " ";
  EXPECT_THAT(joined, HasSubstr("-D X=1"));
  EXPECT_THAT(joined, HasSubstr("-I inc"));
  EXPECT_THAT(joined, HasSubstr("-std=c++20"));
  EXPECT_THAT(joined, HasSubstr("-Xclang -include -Xclang pch.hxx"));
  EXPECT_THAT(joined, Not(HasSubstr("a.o")));
  EXPECT_THAT(joined, Not(HasSubstr("-Wall")));
  EXPECT_THAT(joined, Not(HasSubstr("-c ")));
  // The source appears once, at the end: "/work..." is not cl.exe's "/w".
  EXPECT_EQ(out.back(), "/work/src/a.cpp");
  EXPECT_EQ(std::count(out.begin(), out.end(), "/work/src/a.cpp"), 1);
}

}  // namespace

// The names of the instrumented functions that are instantiations.
std::vector<std::string> instantiations(const InstrumentedFile& file) {
  std::vector<std::string> out;
  for (const auto& function : file.functions)
    if (function.instantiation) out.push_back(function.name);
  return out;
}

TEST(Instrument, ATemplateGetsASlotPerInstantiationThatItsBodyAndItsRecordBothName) {
  Project p;
  InstrumentedFile f = p.must_instrument(R"cpp(
    namespace ns {
    template <class T>
    T twice(T x) {
      return x + x;
    }
    template <class T>
    struct Box {
      T get() const { return t; }
      T t;
    };
    template <int N>
    int scale(int x) {
      return N * x;
    }
    }  // namespace ns
    int use() { return ns::twice(1) + int(ns::twice(2.0)) + ns::Box<long>{3}.get() + ns::scale<-4>(1); }
  )cpp");
  EXPECT_THAT(instantiations(f),
              ::testing::UnorderedElementsAre("ns::twice<int>(int)", "ns::twice<double>(double)",
                                              "ns::Box<long>::get() const", "ns::scale<-4>(int)"));
  for (const auto& function : f.functions)
    if (function.instantiation) EXPECT_EQ(function.id.rfind("_ZN", 0), 0u) << function.name;
  // The body names the slot by its parameters; the table by the arguments.
  EXPECT_THAT(f.source, HasSubstr("ull, T> >::slot"));
  EXPECT_THAT(f.source, HasSubstr("ull, ::__softpatch_template_value<decltype(N), N>> >::slot"));
  EXPECT_THAT(f.source, HasSubstr("ull, long> >::slot"));
  EXPECT_THAT(f.source,
              HasSubstr("ull, ::__softpatch_template_value<int, static_cast<int>(-4ll)>> >::slot"));
  EXPECT_THAT(reasons(f), ::testing::IsEmpty());
}

TEST(Instrument, ATemplateWhoseSlotCannotBeNamedIsSkippedAloneWithItsReason) {
  Project p;
  InstrumentedFile f = p.must_instrument(R"cpp(
    template <class>
    int unnamed() {
      return 1;
    }
    template <template <class> class W>
    int wrapped() {
      return 2;
    }
    template <class T>
    auto deduced(T t) {
      return t;
    }
    template <const char* P>
    char first() {
      return *P;
    }
    class Outer {
      struct Private {};

     public:
      static int use();
    };
    template <class T>
    int tag(T) {
      return 5;
    }
    int Outer::use() { return tag(Private{}) + tag(1); }
    int plain() { return 6; }
  )cpp");
  EXPECT_THAT(reasons(f),
              ::testing::UnorderedElementsAre(
                  "unnamed: template with an unnamed template parameter",
                  "wrapped: template with a template template parameter (W)",
                  "deduced: template with a deduced return type",
                  "first: template parameter P is neither a type nor a whole number",
                  "tag<Outer::Private>(Outer::Private): instantiation whose template arguments "
                  "cannot be written at namespace scope (a private or local type, a pointer)"));
  EXPECT_THAT(instantiations(f), ::testing::ElementsAre("tag<int>(int)"));
  std::vector<std::string> names;
  for (const auto& function : f.functions) names.push_back(function.name);
  EXPECT_THAT(names, ::testing::IsSupersetOf({"Outer::use()", "plain()"}));
}

TEST(Instrument, AnOverloadedTemplatesInstantiationIsNamedByItsTypeWhenOnlyItCanHaveIt) {
  Project p;
  InstrumentedFile f = p.must_instrument(R"cpp(
    namespace {
    template <class T>
    T pick(T a) {
      return a;
    }
    template <class T>
    T pick(T a, T b) {
      return a < b ? a : b;
    }
    template <class T>
    T same(T a) {
      return a;
    }
    template <class T>
    T same(T* a) {
      return *a;
    }
    }  // namespace
    int use(int x) { return pick(x) + pick(x, 2) + same(x) + same(&x); }
  )cpp");
  // Different numbers of parameters: the cast to its type singles each out.
  EXPECT_THAT(f.source,
              HasSubstr("static_cast<::__softpatch_function_pointer<int, int>>(&pick<int>)"));
  EXPECT_THAT(f.source,
              HasSubstr("static_cast<::__softpatch_function_pointer<int, int, int>>(&pick<int>)"));
  // As many: same<int> could be either, so it is found another way.
  EXPECT_THAT(f.source, Not(HasSubstr("(&same<int>)")));
  EXPECT_THAT(instantiations(f),
              ::testing::UnorderedElementsAre("(anonymous namespace)::pick<int>(int)",
                                              "(anonymous namespace)::pick<int>(int, int)",
                                              "(anonymous namespace)::same<int>(int)",
                                              "(anonymous namespace)::same<int>(int *)"));
}

TEST(Instrument, TemplateArgumentsAreQualifiedInPacksAndFromAnonymousNamespaces) {
  Project p;
  InstrumentedFile f = p.must_instrument(R"cpp(
    namespace lib {
    template <class... T>
    struct Pack {
      int size() const { return sizeof...(T); }
    };
    template <class T>
    struct One {
      int get() const { return 1; }
    };
    struct Item {};
    namespace {
    struct Hidden {};
    }  // namespace
    class Outer {
      template <class T>
      struct Policy {};

     public:
      static int use();
    };
    int Outer::use() { return One<Policy<int>>{}.get(); }
    }  // namespace lib
    int use() {
      struct Local {};
      return lib::Pack<lib::Item, int>{}.size() + lib::One<lib::Hidden>{}.get() +
             lib::Pack<Local>{}.size();
    }
  )cpp");
  // Clang's own qualifier leaves a pack's elements and an anonymous
  // namespace's classes bare ("Pack<Item, int>", "One<Hidden>").
  EXPECT_THAT(f.source, HasSubstr("(&::lib::Pack< ::lib::Item, int>::size)"));
  EXPECT_THAT(f.source, HasSubstr("(&::lib::One< ::lib::Hidden>::get)"));
  EXPECT_THAT(instantiations(f), ::testing::UnorderedElementsAre(
                                     "lib::Pack<lib::Item, int>::size() const",
                                     "lib::One<lib::(anonymous namespace)::Hidden>::get() const"));
  // A local class in a pack, a private member template's specialization:
  // nothing outside can name them.
  EXPECT_THAT(reasons(f),
              ::testing::UnorderedElementsAre(HasSubstr("Pack<Local>::size"),
                                              HasSubstr("One<lib::Outer::Policy<int>")));
}

TEST(Instrument, ALambdaGetsASlotNamedByItsPlaceInItsFunctionAndWhatItHolds) {
  Project p;
  InstrumentedFile f = p.must_instrument(R"cpp(
#include <functional>
    std::function<int(int)> kept;
    int run(int n) {
      kept = [](int x) { return x * 2; };
      int base = 3;
      auto adds = [base](int x) { return x + base; };
      auto twice = [](auto x) { return x + x; };
      auto outer = [] { return [](int y) { return y; }(1); };
      return kept(n) + adds(n) + twice(n) + outer() + [](long v) noexcept {
        return int(v);
      }(2) + [] {
        static int calls = 0;
        return ++calls;
      }() + [](auto* p) { return p ? 1 : 0; }(&n);
    }
    void local_parameter() {
      struct Point {
        int x;
      };
      [](Point p) { return p.x; }(Point{1});
    }
    template <class T>
    T in_template(T t) {
      return [](T v) { return v; }(t);
    }
    int use() { return in_template(1); }
  )cpp");
  std::vector<std::string> lambdas;
  for (const auto& function : f.functions)
    if (function.id.find("::lambda#") != std::string::npos)
      lambdas.push_back(function.id + " = " + function.name);
  // Which of its function's lambdas it is, counting those without a slot.
  EXPECT_THAT(lambdas,
              ::testing::UnorderedElementsAre(
                  "_Z3runi::lambda#0/7(int) const = run(int)::<lambda at line 5>(int) const",
                  ::testing::MatchesRegex("_Z3runi::lambda#1/7\\(int\\) const \\[base: int\\] "
                                          "[0-9a-f]{16} = run\\(int\\)::<lambda at line "
                                          "7>\\(int\\) const"),
                  "_Z3runi::lambda#3/7() const = run(int)::<lambda at line 9>() const",
                  "_Z3runi::lambda#4/7(long) const = run(int)::<lambda at line 10>(long) const"));
  EXPECT_THAT(reasons(f),
              ::testing::UnorderedElementsAre(
                  "lambda: generic lambda (part of its enclosing function)",
                  "lambda: lambda outside a function, or inside another lambda (part of its "
                  "enclosing function)",
                  "lambda: lambda in a template (part of its enclosing function)",
                  "lambda: lambda with a static variable (calls) (part of its enclosing function)",
                  "lambda: generic lambda (part of its enclosing function)",
                  "lambda: lambda with a parameter of a type declared inside a function (part of "
                  "its enclosing function)"));
  // The closure goes first, as a null pointer: it holds nothing.
  EXPECT_THAT(f.source, HasSubstr("[](int x) { if (!__builtin_is_constant_evaluated()) { if ("));
  EXPECT_THAT(f.source, HasSubstr("::__softpatch_call<int, const void*, decltype(x)>(static_cast<"
                                  "const void*>(nullptr), static_cast<decltype(x)&&>(x), "));
  EXPECT_THAT(f.source, HasSubstr("\"int (const void *, int)\", 5u, 2056u, nullptr}"));
  // One that captures goes by its first member, here its copy of `base`.
  EXPECT_THAT(f.source, HasSubstr("[base](int x) {"));
  EXPECT_THAT(f.source, HasSubstr("(static_cast<const void*>(__builtin_addressof(base)), "));
}

// The lambdas' ids of `f`, each without the hash of its closure's layout
// that ends it when it captures ("... [n: int] 0123456789abcdef").
std::vector<std::string> lambda_ids(const InstrumentedFile& f, std::vector<std::string>* hashes) {
  std::vector<std::string> ids;
  for (const auto& function : f.functions) {
    if (function.id.find("::lambda#") == std::string::npos) continue;
    std::string id = function.id;
    if (std::size_t end = id.rfind("] "); end != std::string::npos) {
      if (hashes) hashes->push_back(id.substr(end + 2));
      id.erase(end + 1);
    }
    ids.push_back(id);
  }
  return ids;
}

TEST(Instrument, ALambdaThatCapturesPassesItsClosureByItsFirstMember) {
  Project p;
  InstrumentedFile f = p.must_instrument(R"cpp(
#include <atomic>
#include <functional>
#include <string>
    struct Meter {
      int scale = 2;
      std::function<int(int)> make(int offset) {
        std::string name = "m";
        auto by_reference = [this, &name](int y) { return y * scale + int(name.size()); };
        by_reference(1);
        return [offset, this](int y) mutable { return y * scale + offset++; };
      }
    };
    int holds_what_it_cannot_say(int n) {
      struct Local {
        int v;
      };
      Local local{1};
      auto inner = [] { return 1; };
      auto keeps_local = [local] { return local.v; };
      auto keeps_lambda = [inner] { return inner(); };
      auto stuck = [a = std::atomic<int>{0}] { return a.load(); };
      auto by_default = [=] { return n; };
      auto by_reference = [&] { return n; };
      return keeps_local() + keeps_lambda() + stuck() + by_default() + by_reference();
    }
  )cpp");
  // What the closure holds, in its layout's order (the order of the
  // captures), is part of the id.
  EXPECT_THAT(lambda_ids(f, nullptr),
              ::testing::UnorderedElementsAre(
                  "_ZN5Meter4makeEi::lambda#0/2(int) const [this: Meter *, name: "
                  "std::basic_string<char> &]",
                  "_ZN5Meter4makeEi::lambda#1/2(int) [offset: int, this: Meter *]",
                  "_Z24holds_what_it_cannot_sayi::lambda#0/6() const"));
  // The first member is an anchor when the first capture is not a copy.
  EXPECT_THAT(f.source,
              HasSubstr("[__softpatch_self = ::__softpatch_anchor{}, this, &name](int y) {"));
  EXPECT_THAT(f.source, HasSubstr("static_cast<const void*>(&__softpatch_self), "));
  EXPECT_THAT(f.source, HasSubstr("[offset, this](int y) mutable {"));
  EXPECT_THAT(f.source, HasSubstr("static_cast<const void*>(__builtin_addressof(offset)), "));
  EXPECT_THAT(reasons(f),
              ::testing::UnorderedElementsAre(
                  "lambda: lambda capturing a lambda or a variable of a type declared inside a "
                  "function (part of its enclosing function)",
                  "lambda: lambda capturing a lambda or a variable of a type declared inside a "
                  "function (part of its enclosing function)",
                  "lambda: lambda whose closure can be neither moved nor copied (part of its "
                  "enclosing function)",
                  "lambda: lambda with a capture default ([=]), whose implicit captures compilers "
                  "lay out each their own way (part of its enclosing function)",
                  "lambda: lambda with a capture default ([&]), whose implicit captures compilers "
                  "lay out each their own way (part of its enclosing function)"));
}

TEST(Instrument, ALambdasIdChangesWithWhatItsCapturesAreMadeOf) {
  auto ids = [](const std::string& declarations, std::vector<std::string>* hashes) {
    Project p;
    return lambda_ids(p.must_instrument(declarations + R"cpp(
      int run(Level level, Box<int> box, Loud loud) {
        auto a = [level, box](int x) { return x + int(level) + box.a; };
        auto b = [loud] { return loud.n; };
        return a(1) + b();
      }
    )cpp"),
                      hashes);
  };
  const std::string loud =
      "struct Loud { int n = 0; Loud() = default; Loud(const Loud& o) : n(o.n + 1) {} };\n";
  std::vector<std::string> before, enum_wider, box_longer;
  std::vector<std::string> written =
      ids("enum class Level : char { low };\ntemplate <class T> struct Box { T a; };\n" + loud,
          &before);
  // Loud's copies run the project's code: a patch's copy of `b` would run
  // one more, so it has no slot.
  EXPECT_THAT(written, ::testing::ElementsAre("_Z3run5Level3BoxIiE4Loud::lambda#0/2(int) const "
                                              "[level: Level, box: Box<int>]"));
  ids("enum class Level : int { low };\ntemplate <class T> struct Box { T a; };\n" + loud,
      &enum_wider);
  ids("enum class Level : char { low };\ntemplate <class T> struct Box { T a, b; };\n" + loud,
      &box_longer);
  // The same names, another layout: another id, and the closures made
  // before keep the body they run.
  ASSERT_EQ(before.size(), 1u);
  ASSERT_EQ(enum_wider.size(), 1u);
  ASSERT_EQ(box_longer.size(), 1u);
  EXPECT_NE(before[0], enum_wider[0]);
  EXPECT_NE(before[0], box_longer[0]);
}

TEST(Instrument, UnderCxx11OnlyALambdaWhoseFirstCaptureIsACopyHasASlot) {
  Project p;
  auto instrumented = p.instrument("t.cpp", R"cpp(
                                     int run(int n) {
                                       auto adds = [&n](int x) { return x + n; };
                                       auto copies = [n](int x) { return x + n; };
                                       return adds(1) + copies(1) + [](int x) { return x; }(2);
                                     }
                                   )cpp",
                                   "-std=c++11");
  if (!instrumented) FAIL() << llvm::toString(instrumented.takeError());
  InstrumentedFile& f = *instrumented;
  EXPECT_THAT(reasons(f), ::testing::ElementsAre(
                              "lambda: lambda whose first capture is not a copy, under C++11, "
                              "which has no init-capture to find its closure by (part of its "
                              "enclosing function)"));
  EXPECT_THAT(f.source, Not(HasSubstr("__softpatch_anchor")));
  EXPECT_THAT(f.source, HasSubstr("__builtin_addressof(n)"));
}
