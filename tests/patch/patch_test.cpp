// Live patching end to end, in this process: an edited copy of counter.cpp
// goes through the rewriter's patch mode and the compiler into a .so, the
// loader applies it, and the program's state carries on.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "callbacks.h"
#include "clang/Tooling/JSONCompilationDatabase.h"
#include "counter.h"
#include "internal_classes.h"
#include "read_file.h"
#include "running_code.h"
#include "shapes.h"
#include "softpatch/internal/registry_state.h"
#include "softpatch/loader.h"
#include "softpatch/mock.h"
#include "softpatch/patching/patch_builder.h"
#include "softpatch/registry.h"
#include "widgets.h"

namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

using softpatch::testing::read_file;

class Patching : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/softpatch-patch-XXXXXX";
    dir_ = mkdtemp(pattern);
    setenv("SOFTPATCH_CACHE_DIR", (dir_ / "cache").c_str(), 1);
    use(SOFTPATCH_COUNTER_SOURCE);
  }

  // The file later edits and patches are of.
  void use(const std::string& source) {
    source_ = source;
    original_ = read_file(source);
  }
  // The compiler's precompiled preamble is built by a detached process that
  // may still be writing into the cache here: retry until the tree is gone.
  void TearDown() override {
    if (getenv("KEEP")) return;
    std::error_code error;
    for (int attempt = 0; attempt < 100; ++attempt) {
      fs::remove_all(dir_, error);
      if (!fs::exists(dir_, error)) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << dir_ << " could not be removed: " << error.message();
  }

  // counter.cpp with each `from` replaced by its `to`.
  std::string edited(std::initializer_list<std::pair<std::string, std::string>> changes) const {
    std::string text = original_;
    for (const auto& [from, to] : changes) {
      size_t at = text.find(from);
      EXPECT_NE(at, std::string::npos) << from;
      if (at != std::string::npos) text.replace(at, from.size(), to);
    }
    return text;
  }

  // Builds the patch for `text` as counter.cpp and applies it, from a
  // working directory that is not the compile command's (the builder must
  // resolve the command's relative paths in its own directory), with
  // `extra` added to the command.
  // The code of the file as this program was built, from its unit.
  // The build's code as the agent offers it to `softpatch patch`: only when
  // the program's own copy of each function can be called.
  std::vector<softpatch::CodeFingerprint> built_code() const {
    std::string project_file = fs::relative(source_, SOFTPATCH_PROJECT_ROOT).string();
    softpatch::Result<softpatch::RunningCode> running = softpatch::running_code(project_file);
    EXPECT_TRUE(running) << running.error();
    if (!running) return {};
    EXPECT_FALSE(running->built.empty()) << project_file << ": no patch of its changes alone";
    return running->built;
  }

  // As apply(), carrying only the functions whose code differs from the
  // build's (what softpatch patch builds).
  softpatch::Result<softpatch::PatchInfo> apply_changed_functions(const std::string& text) {
    built_ = built_code();
    softpatch::Result<softpatch::PatchInfo> applied = apply(text);
    built_.reset();
    return applied;
  }

  softpatch::Result<softpatch::PatchInfo> apply(const std::string& text,
                                                std::vector<std::string> extra = {}) {
    std::string name = "patch" + std::to_string(++count_);
    fs::path edited_file = dir_ / name / fs::path(source_).filename();
    fs::create_directories(edited_file.parent_path());
    std::ofstream(edited_file) << text;
    std::string error;
    auto database =
        clang::tooling::JSONCompilationDatabase::loadFromDirectory(SOFTPATCH_BUILD_DIR, error);
    if (!database) return softpatch::Error{error};
    auto commands = database->getCompileCommands(source_);
    if (commands.empty()) return softpatch::Error{"no compile command for " + source_};
    std::vector<std::string> command = commands.front().CommandLine;
    command.insert(command.begin() + 1, extra.begin(), extra.end());
    fs::current_path("/");
    softpatch::driver::PatchRequest request{
        edited_file.string(),
        source_,
        command,
        commands.front().Directory,
        SOFTPATCH_PROJECT_ROOT,
        softpatch::module_build_id(reinterpret_cast<void*>(&bump)),
        (dir_ / (name + ".so")).string()};
    request.built = built_;
    request.pid = pid_;
    llvm::Expected<softpatch::driver::BuiltPatch> built = softpatch::driver::build_patch(request);
    if (!built) return softpatch::Error{llvm::toString(built.takeError())};
    imported_ = built->imported;
    return softpatch::load_patch(built->path);
  }

  fs::path dir_;
  std::string source_;
  std::string original_;
  int count_ = 0;
  std::optional<std::vector<softpatch::CodeFingerprint>> built_;
  std::size_t imported_ = 0;  // by the last patch built
  int pid_ = getpid();        // the process patches are built for (0: none)
};

// Which patch `name`'s code runs from (0: the build's).
int runs_from(const char* name) {
  softpatch::Result<softpatch::Function> f = softpatch::find_function(name);
  EXPECT_TRUE(f) << f.error();
  return f ? softpatch::patch_running(*f) : -1;
}

TEST_F(Patching, NewCodeRunsAndStateCarriesOn) {
  for (int i = 0; i < 3; ++i) bump(1);
  ASSERT_EQ(g_total, 3);
  ASSERT_EQ(calls(), 3);
  Tally::instances = 5;

  // Patch 1: bump adds ten times as much and counts in a variable it adds.
  softpatch::Result<softpatch::PatchInfo> first = apply(edited({
      {"  return g_total += by;\n}", "  ++added_calls;\n  return g_total += 10 * by;\n}"},
      {"int added() { return 0; }", "int added() { return added_calls; }"},
      {"static std::vector<int> history;",
       "static std::vector<int> history; static int added_calls = 0;"},
  }));
  ASSERT_TRUE(first) << first.error();
  EXPECT_EQ(bump(1), 13);         // new code, old total
  EXPECT_EQ(calls(), 4);          // function-local static continued
  EXPECT_EQ(hits(), 4);           // anonymous-namespace variable continued
  EXPECT_EQ(history_size(), 4u);  // file static (and its heap) continued
  EXPECT_EQ(added(), 1);
  EXPECT_EQ(Tally::instances, 5);  // static member: the program's

  // Patch 2: the variable patch 1 added keeps its value; kLimit changes.
  softpatch::Result<softpatch::PatchInfo> second = apply(edited({
      {"  return g_total += by;\n}", "  ++added_calls;\n  return g_total += 100 * by;\n}"},
      {"int added() { return 0; }", "int added() { return added_calls; }"},
      {"static std::vector<int> history;",
       "static std::vector<int> history; static int added_calls = 0;"},
      {"constexpr int kLimit = 10;", "constexpr int kLimit = 20;"},
  }));
  ASSERT_TRUE(second) << second.error();
  EXPECT_EQ(bump(1), 113);
  EXPECT_EQ(added(), 2);   // not re-initialised by the second patch
  EXPECT_EQ(limit(), 20);  // a changed constant takes effect
  EXPECT_EQ(calls(), 5);

  // Patch 3: and again.
  softpatch::Result<softpatch::PatchInfo> third = apply(edited({
      {"  return g_total += by;\n}", "  ++added_calls;\n  return g_total += 1000 * by;\n}"},
      {"int added() { return 0; }", "int added() { return added_calls; }"},
      {"static std::vector<int> history;",
       "static std::vector<int> history; static int added_calls = 0;"},
  }));
  ASSERT_TRUE(third) << third.error();
  EXPECT_EQ(bump(1), 1113);
  EXPECT_EQ(added(), 3);
  EXPECT_EQ(calls(), 6);

  // Back to the original code, state kept.
  ASSERT_TRUE(softpatch::rollback());
  ASSERT_TRUE(softpatch::rollback());
  ASSERT_TRUE(softpatch::rollback());
  EXPECT_EQ(bump(1), 1114);
  EXPECT_EQ(limit(), 10);
  EXPECT_EQ(calls(), 7);
  EXPECT_EQ(history_size(), 7u);
}

TEST_F(Patching, AMockOfAPatchedFunctionPassesThroughToThePatchAndAPatchWaitsForTheMock) {
  softpatch::Result<softpatch::PatchInfo> first =
      apply(edited({{"  return g_total += by;\n}", "  return g_total += 10 * by;\n}"}}));
  ASSERT_TRUE(first) << first.error();
  int total = g_total;
  {
    auto bumps = softpatch::spy<&bump>();
    EXPECT_EQ(bump(1), total + 10) << "the spy calls through to the code that runs: the patch's";
    EXPECT_EQ(softpatch::call_original<&bump>(2), total + 30);
    auto doubled =
        softpatch::mock<&bump>([](int by) { return 2 * softpatch::call_original<&bump>(by); });
    EXPECT_EQ(bump(1), 2 * (total + 40));
    EXPECT_EQ(bumps.count(), 1u) << "a mock above the spy answers";

    // A patch would take the slot from the mock, and the mock's end would
    // take the patch back: refused, by name.
    softpatch::Result<softpatch::PatchInfo> second =
        apply(edited({{"  return g_total += by;\n}", "  return g_total += 100 * by;\n}"}}));
    ASSERT_FALSE(second);
    EXPECT_THAT(second.error(), HasSubstr("bump(int) is mocked (softpatch/mock.h)"));
  }
  total = g_total;
  EXPECT_EQ(bump(1), total + 10) << "the mocks ended: the patch runs";
  EXPECT_EQ(runs_from("bump(int)"), first->number);
  ASSERT_TRUE(softpatch::rollback());
}

TEST_F(Patching, ACommandsRelativePathsResolveInItsOwnDirectory) {
  // A header found only through a relative -I, relative to the directory
  // the command runs in (CMake's build directory), not to ours ("/").
  fs::create_directories(dir_ / "relative-include");
  std::ofstream(dir_ / "relative-include" / "patch_extra.h") << "#define PATCH_EXTRA 40\n";
  std::string relative = fs::relative(dir_ / "relative-include", SOFTPATCH_BUILD_DIR).string();
  ASSERT_EQ(relative.rfind("/", 0), std::string::npos) << relative;
  int before = bump(0);
  softpatch::Result<softpatch::PatchInfo> p =
      apply("#include \"patch_extra.h\"\n" +
                edited({{"  return g_total += by;", "  return g_total += by + PATCH_EXTRA;"}}),
            {"-I" + relative});
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(fs::current_path(), fs::path("/")) << "the builder changed the working directory";
  EXPECT_EQ(bump(2), before + 42);
  ASSERT_TRUE(softpatch::rollback(p->number));
}

TEST_F(Patching, SyntaxErrorNamesTheFileAndLineAndChangesNothing) {
  int before = bump(0);
  softpatch::Result<softpatch::PatchInfo> p =
      apply(edited({{"  return g_total += by;", "  return g_total += by +;"}}));
  ASSERT_FALSE(p);
  EXPECT_THAT(p.error(), HasSubstr("counter.cpp:31:"));
  EXPECT_THAT(p.error(), HasSubstr("error"));
  EXPECT_EQ(bump(0), before);
}

TEST_F(Patching, ChangedSignatureIsRefused) {
  // counted() is file-local: only the loader can notice its new type.
  softpatch::Result<softpatch::PatchInfo> p = apply(edited({
      {"static int counted(int step) {", "static long counted(int step) {"},
      {"int calls() { return counted(0); }", "int calls() { return int(counted(0)); }"},
  }));
  ASSERT_FALSE(p);
  EXPECT_THAT(p.error(),
              HasSubstr("counted(int) changed its signature from 'int (int)' to 'long (int)'"));
  EXPECT_THAT(p.error(), HasSubstr("restart needed"));
}

// The program's calls of a noexcept function were compiled for code that
// cannot throw: new code that may is refused. New code that cannot, of a
// function that could, goes live.
TEST_F(Patching, ANoexceptFunctionMustStaySo) {
  softpatch::Result<softpatch::PatchInfo> throwing =
      apply(edited({{"static int quiet(int x) noexcept { return x + 1; }",
                     "static int quiet(int x) { return x + 2; }"}}));
  ASSERT_FALSE(throwing);
  EXPECT_THAT(throwing.error(),
              HasSubstr("quiet(int) is no longer noexcept: the program's calls of it were "
                        "compiled for code that cannot throw: restart needed"));
  EXPECT_EQ(quiet_plus(1), 2);
  softpatch::Result<softpatch::PatchInfo> nothrow =
      apply(edited({{"static int counted(int step) {", "static int counted(int step) noexcept {"},
                    {"static int quiet(int x) noexcept { return x + 1; }",
                     "static int quiet(int x) noexcept { return x + 3; }"}}));
  ASSERT_TRUE(nothrow) << nothrow.error();
  EXPECT_EQ(quiet_plus(1), 4);
  ASSERT_TRUE(softpatch::rollback(nothrow->number));
  EXPECT_EQ(quiet_plus(1), 2);
}

TEST_F(Patching, ARemovedOrReparameterisedFunctionOthersMayCallIsRefused) {
  int before = bump(0);
  softpatch::Result<softpatch::PatchInfo> removed =
      apply(edited({{"int hits() { return hit_count; }", ""}}));
  ASSERT_FALSE(removed);
  EXPECT_THAT(removed.error(), HasSubstr("hits() is no longer defined in tests/patch/counter.cpp "
                                         "(removed, or its parameters changed)"));
  EXPECT_THAT(removed.error(), HasSubstr("restart needed"));
  softpatch::Result<softpatch::PatchInfo> changed = apply(edited({
      {"int bump(int by) {", "int bump(long by) {"},
  }));
  ASSERT_FALSE(changed);
  EXPECT_THAT(changed.error(), HasSubstr("bump(int) is no longer defined"));
  EXPECT_EQ(bump(0), before);
}

TEST_F(Patching, AFileLocalFunctionMayGoAndNewOnesMayCome) {
  int before = bump(0);
  softpatch::Result<softpatch::PatchInfo> p = apply(edited({
      {"static int counted(int step) {", "static int tally(int step) {"},
      {"  counted(1);", "  tally(1);"},
      {"int calls() { return counted(0); }", "int calls() { return tally(0) + 1000; }"},
  }));
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(calls(), 1000);  // a new function with a static of its own
  EXPECT_EQ(bump(0), before);
  ASSERT_TRUE(softpatch::rollback());
}

TEST_F(Patching, AnAddedVariableWhoseInitialiserThrowsIsRefused) {
  int before = bump(0);
  softpatch::Result<softpatch::PatchInfo> p = apply(edited({
      {"static std::vector<int> history;",
       "static std::vector<int> history;\nstatic std::vector<int> huge(std::size_t(-1) / 2);"},
  }));
  ASSERT_FALSE(p);
  EXPECT_THAT(p.error(), HasSubstr("initialising huge (tests/patch/counter.cpp) threw"));
  EXPECT_EQ(bump(0), before);  // the program lives on with its code
}

TEST_F(Patching, ClassLayoutChangeIsRefused) {
  softpatch::Result<softpatch::PatchInfo> p =
      apply(edited({{"  int value;\n};", "  int value;\n  long added_field;\n};"}}));
  ASSERT_FALSE(p);
  EXPECT_THAT(p.error(),
              HasSubstr("class Sample changed its layout from 'size 4 align 4 | int value @0' "
                        "to 'size 16 align 8 | int value @0 | long added_field @8'"));
  EXPECT_THAT(p.error(), HasSubstr("restart needed"));
}

TEST_F(Patching, AnEnumWhoseUnderlyingTypeChangedIsRefused) {
  softpatch::Result<softpatch::PatchInfo> p =
      apply(edited({{"enum class Mood : unsigned char", "enum class Mood : int"}}));
  ASSERT_FALSE(p);
  EXPECT_THAT(p.error(), HasSubstr("enum Mood changed its layout from 'enum of unsigned char' to "
                                   "'enum of int'"));
  EXPECT_EQ(mood_and_pair(), 3);
}

TEST_F(Patching, AnEnumeratorThatTakesAnothersValueIsRefusedAndANewOneIsNot) {
  softpatch::Result<softpatch::PatchInfo> moved =
      apply(edited({{"enum class Mood : unsigned char { calm, busy };",
                     "enum class Mood : unsigned char { calm, tired, busy };"}}));
  ASSERT_FALSE(moved);
  EXPECT_THAT(moved.error(), HasSubstr("Mood::busy changed its layout"));
  softpatch::Result<softpatch::PatchInfo> added = apply(edited(
      {{"enum class Mood : unsigned char { calm, busy };",
        "enum class Mood : unsigned char { calm, busy, tired };"},
       {"static_cast<int>(mood) + pair.first", "static_cast<int>(Mood::tired) + pair.first"}}));
  ASSERT_TRUE(added) << added.error();
  EXPECT_EQ(mood_and_pair(), 5);
  ASSERT_TRUE(softpatch::rollback());
}

TEST_F(Patching, AnInstantiationForAClosureTypeIsNoLayoutAnEditCouldMove) {
  // The closure's spelling names its line: an edit above it moves it.
  softpatch::Result<softpatch::PatchInfo> p = apply(edited(
      {{"static auto make_held() {", "// a line more\nstatic auto make_held() {"},
       {"int held_value() { return held.f(); }", "int held_value() { return held.f() + 1; }"}}));
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(held_value(), 5);
  ASSERT_TRUE(softpatch::rollback());
}

TEST_F(Patching, AClassTemplatesInstantiationWhoseLayoutChangedIsRefused) {
  softpatch::Result<softpatch::PatchInfo> p =
      apply(edited({{"  T first, second;", "  long extra;\n  T first, second;"}}));
  ASSERT_FALSE(p);
  EXPECT_THAT(p.error(), HasSubstr("class Pair<int> changed its layout from 'size 8 align 4 | "
                                   "int first @0 | int second @4' to 'size 16 align 8 | long "
                                   "extra @0 | int first @8 | int second @12'"));
  EXPECT_EQ(mood_and_pair(), 3);
  softpatch::Result<softpatch::PatchInfo> body = apply(
      edited({{"static_cast<int>(mood) + pair.first", "static_cast<int>(mood) * pair.first"}}));
  ASSERT_TRUE(body) << body.error();
  EXPECT_EQ(mood_and_pair(), 2) << "the layouts as built pass";
  ASSERT_TRUE(softpatch::rollback());
}

TEST_F(Patching, AClassThatIsNowPassedByAddressIsRefused) {
  // A destructor changes how a Sample is passed and returned (by address),
  // not its bytes: code built for one convention cannot call the other.
  softpatch::Result<softpatch::PatchInfo> p =
      apply(edited({{"  int value;\n};", "  int value;\n  ~Sample() {}\n};"}}));
  ASSERT_FALSE(p);
  EXPECT_THAT(p.error(),
              HasSubstr("class Sample changed its layout from 'size 4 align 4 | int value @0' "
                        "to 'size 4 align 4 | int value @0 | passed by address'"));
}

TEST_F(Patching, TheLoaderRefusesAnEditedMemberInitialiserOnItsOwn) {
  // Built without asking what runs (as `softpatch build --for` does): the
  // loader compares the patch's code with the running code itself.
  softpatch::Result<softpatch::PatchInfo> p = apply(edited({{"level(1)", "level(2)"}}));
  ASSERT_FALSE(p);
  EXPECT_THAT(p.error(), HasSubstr(".so: member initialiser level of Gauge::Gauge() changed: a "
                                   "patch replaces constructor bodies only, and objects that "
                                   "exist keep their members: restart needed"));
  // Against the code of the file's latest patch, not the build's.
  softpatch::Result<softpatch::PatchInfo> first =
      apply(edited({{"  return g_total += by;", "  return g_total += 2 * by;"}}));
  ASSERT_TRUE(first) << first.error();
  softpatch::Result<softpatch::PatchInfo> second = apply(edited(
      {{"  return g_total += by;", "  return g_total += 2 * by;"}, {"level(1)", "level(3)"}}));
  ASSERT_FALSE(second);
  EXPECT_THAT(second.error(), HasSubstr("member initialiser level of Gauge::Gauge() changed"));
  ASSERT_TRUE(softpatch::rollback(first->number));
}

TEST_F(Patching, AClassAnEarlierPatchBroughtKeepsItsLayout) {
  // Patch 1 brings a struct of its own, and an object of it that outlives
  // the patch (a variable a patch adds lives on through later patches).
  std::string with_extra = edited({{"int added() { return 0; }",
                                    "namespace { struct Extra { long a = 1; }; Extra extra; }\n"
                                    "int added() { return static_cast<int>(extra.a++); }"}});
  softpatch::Result<softpatch::PatchInfo> first = apply(with_extra);
  ASSERT_TRUE(first) << first.error();
  EXPECT_EQ(added(), 1);
  EXPECT_EQ(added(), 2);
  // Patch 2 puts a field before `a`: its code would read and write past the
  // 8-byte object patch 1 made.
  std::string moved = with_extra;
  moved.replace(moved.find("struct Extra { long a = 1; };"),
                std::string("struct Extra { long a = 1; };").size(),
                "struct Extra { long before = 7; long a = 1; };");
  softpatch::Result<softpatch::PatchInfo> second = apply(moved);
  ASSERT_FALSE(second);
  EXPECT_THAT(second.error(),
              HasSubstr("Extra changed its layout from 'size 8 align 8 | long a @0'"));
  EXPECT_THAT(second.error(), HasSubstr("as an earlier patch made it"));
  EXPECT_THAT(second.error(), HasSubstr("restart needed"));
  EXPECT_EQ(added(), 3);  // patch 1's code and object, untouched
  // The same layout again is fine: the object is shared as before.
  softpatch::Result<softpatch::PatchInfo> third = apply(with_extra);
  ASSERT_TRUE(third) << third.error();
  EXPECT_EQ(added(), 4);
  ASSERT_TRUE(softpatch::rollback(third->number));
  ASSERT_TRUE(softpatch::rollback(first->number));
}

TEST_F(Patching, HeaderStateThreadLocalsVtablesAndExceptionsCrossTheBoundary) {
  use(SOFTPATCH_SHAPES_SOURCE);
  ASSERT_EQ(use_header_state(), 1);
  ASSERT_EQ(thread_calls(), 1);
  Square square;
  softpatch::Result<softpatch::PatchInfo> p = apply(edited({
      {"  return ++registry().entries;", "  return 10 * ++registry().entries;"},
      {"int thread_calls() { return ++tl_calls + 0 * ++tl_local; }",
       "int thread_calls() { ++tl_local; return 100 * ++tl_calls + tl_local; }"},
      {"shape.sides();", "shape.sides() * 10;"},
      {"return 2;", "return 20;"},
      {"return ++locked;", "return locked += 10;"},
  }));
  ASSERT_TRUE(p) << p.error();
  // The singleton and the inline variable: the program's, not new ones.
  EXPECT_EQ(use_header_state(), 20);
  EXPECT_EQ(registry().constructions, 1);
  EXPECT_EQ(g_inline_counter, 2);
  // thread_locals: this thread's continue; another thread starts its own.
  EXPECT_EQ(thread_calls(), 202);
  int other = 0;
  std::thread([&] { other = thread_calls(); }).join();
  EXPECT_EQ(other, 101);
  // vtables and typeinfo: objects made by old code, dynamic_cast in new code.
  EXPECT_EQ(sides_of(square), 40);
  // Exceptions thrown by patched code caught by old code, and the reverse.
  EXPECT_THROW(throw_or_catch(1), ShapeError);
  EXPECT_EQ(throw_or_catch(2), 20);
  // A mutex held by old code across the patch is the one new code takes.
  int result = 0;
  {
    std::unique_lock<std::mutex> held(g_mutex);
    std::thread waiter([&] { result = locked_increment(); });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(result, 0);  // still waiting for the lock old code holds
    held.unlock();
    waiter.join();
  }
  EXPECT_EQ(result, 10);
  ASSERT_TRUE(softpatch::rollback());
}

TEST_F(Patching, MethodsOfClassesInAnAnonymousNamespace) {
  use(SOFTPATCH_INTERNAL_CLASSES_SOURCE);
  meter_add(1);
  ASSERT_EQ(meter_read(), 6);
  ASSERT_EQ(meter_kind(), "gauge/meter");
  softpatch::Result<softpatch::PatchInfo> p = apply(edited({
      {"return apply(Scale{1}, v);", "return apply(Scale{2}, v);"},  // private, const
      {"static int apply(Scale s, int v) { return s.factor * v; }",
       "static int apply(Scale s, int v) { return s.factor * v + 1; }"},  // private static
      {"void add(int n) { value_ += n; }", "void add(int n) { value_ += 10 * n; }"},
      {"return \"meter\";", "return \"METER\";"},  // virtual, base
      {"return \"gauge\";", "return \"GAUGE\";"},  // virtual, override
      {"static int unit() { return 1; }", "static int unit() { return 100; }"},
      {"return \"taken \"", "return \"TAKEN \""},  // && method returning a class
  }));
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(meter_read(), 13);  // 2 * 6 + 1: the object's state carried on
  meter_add(1);
  EXPECT_EQ(meter_read(), 33);
  EXPECT_EQ(meter_kind(), "GAUGE/METER");  // objects made by the program, new code
  EXPECT_EQ(meter_unit(), 100);
  EXPECT_EQ(meter_take(), "TAKEN 7");
  ASSERT_TRUE(softpatch::rollback());
  EXPECT_EQ(meter_read(), 16);
  EXPECT_EQ(meter_kind(), "gauge/meter");
}

TEST_F(Patching, ConstructorAndDestructorBodiesGoLiveAndObjectsKeepTheirMembers) {
  use(SOFTPATCH_WIDGETS_SOURCE);
  int alive = Widget::alive;
  Widget kept(3, "kept");
  ASSERT_EQ(local_note(1), "note 1, closed 0");
  softpatch::Result<softpatch::PatchInfo> p = apply(edited({
      {"label_(label) { ++alive; }", "label_(label) { ++alive; weight_ = 10 * size_; }"},
      {"destroyed_weight += weight_;", "destroyed_weight += 2 * weight_;"},
      {"text_ += \" \" + std::to_string(n);", "text_ += \" patched \" + std::to_string(n);"},
      {"~Note() { ++closed; }", "~Note() { closed += 10; }"},
  }));
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(runs_from("Widget::Widget(int, const std::string &)"), p->number);
  EXPECT_EQ(runs_from("Widget::~Widget()"), p->number);
  EXPECT_EQ(runs_from("Widget::Widget(const Widget &)"), p->number);
  EXPECT_EQ(kept.weight(), 1) << "an object made before the patch keeps its members";
  EXPECT_EQ(kept.label(), "kept");
  int destroyed = Widget::destroyed_weight;
  {
    Widget fresh(4);
    EXPECT_EQ(fresh.size(), 4) << "the initialisers ran as built";
    EXPECT_EQ(fresh.weight(), 40) << "then the new body";
    EXPECT_EQ(fresh.label(), "w");
    Widget copy(fresh);
    EXPECT_EQ(copy.weight(), 40);
    EXPECT_EQ(copy.label(), "w'");
    EXPECT_EQ(Widget::alive, alive + 3);
  }
  EXPECT_EQ(Widget::destroyed_weight, destroyed + 160) << "the new destructor body, twice";
  EXPECT_EQ(Widget::alive, alive + 1);
  EXPECT_EQ(local_note(2), "note patched 2, closed 1") << "a class of an anonymous namespace";
  EXPECT_EQ(local_note(3), "note patched 3, closed 11");

  ASSERT_TRUE(softpatch::rollback());
  destroyed = Widget::destroyed_weight;
  {
    Widget again(5);
    EXPECT_EQ(again.weight(), 1);
  }
  EXPECT_EQ(Widget::destroyed_weight, destroyed + 1);
  EXPECT_EQ(local_note(4), "note 4, closed 21");
}

TEST_F(Patching, AConstructorsInitialisersAreRefusedByTheMembersName) {
  use(SOFTPATCH_WIDGETS_SOURCE);
  softpatch::Result<softpatch::PatchInfo> changed =
      apply(edited({{": size_(size), label_(label)", ": size_(size + 1), label_(label)"}}));
  ASSERT_FALSE(changed);
  EXPECT_THAT(changed.error(),
              HasSubstr("member initialiser size_ of Widget::Widget(int, const std::string &) "
                        "changed: a patch replaces constructor bodies only"));
  softpatch::Result<softpatch::PatchInfo> added =
      apply(edited({{": size_(size), label_(label)", ": size_(size), weight_(2), label_(label)"}}));
  ASSERT_FALSE(added);
  EXPECT_THAT(added.error(), HasSubstr("member initialiser weight_ of Widget::Widget(int, const "
                                       "std::string &) was added"));
  softpatch::Result<softpatch::PatchInfo> in_class =
      apply(edited({{": text_(\"note\")", ": text_(\"NOTE\")"}}));
  ASSERT_FALSE(in_class);
  EXPECT_THAT(in_class.error(), HasSubstr("member initialiser text_ of (anonymous "
                                          "namespace)::Note::Note(int) changed"));
  Widget w(2);
  EXPECT_EQ(w.weight(), 1) << "nothing was applied";
}

TEST_F(Patching, AnEditThatLeavesAConstructorNoBodyToCarryIsRefusedWithTheReason) {
  use(SOFTPATCH_WIDGETS_SOURCE);
  // The patch's member would not carry the attribute: nothing could stand
  // for the body the build's slot switches.
  softpatch::Result<softpatch::PatchInfo> p =
      apply(edited({{"Widget::Widget(int size, const std::string& label)",
                     "__attribute__((no_sanitize(\"address\"))) Widget::Widget(int size, const "
                     "std::string& label)"},
                    {"label_(label) { ++alive; }", "label_(label) { ++alive; weight_ = 3; }"}}));
  ASSERT_FALSE(p);
  EXPECT_THAT(p.error(), HasSubstr("Widget::Widget(int, const std::string &) changed: as edited, "
                                   "a constructor with the attribute no_sanitize"));
  Widget w(2);
  EXPECT_EQ(w.weight(), 1) << "nothing was applied";
}

TEST_F(Patching, ClosuresMadeBeforeAPatchRunTheNewBodiesOnWhatTheyCaptured) {
  use(SOFTPATCH_CALLBACKS_SOURCE);
  int total = 0;
  Account account;
  std::function<int(int)> scaled = make_scaled(3), watch = make_watch(total),
                          deposit = account.depositor();
  std::function<int()> counter = make_counter();
  std::function<std::string()> greet = make_greeter("ann");
  EXPECT_EQ(scaled(2), 6);
  EXPECT_EQ(counter(), 1);
  EXPECT_EQ(watch(5), 5);
  EXPECT_EQ(deposit(10), 9);
  EXPECT_EQ(greet(), "hi ann");
  EXPECT_EQ(tally(1), 3);

  softpatch::Result<softpatch::PatchInfo> p = apply(edited({
      {"x * factor", "x * factor + 1"},
      {"return ++count;", "return count += 10;"},
      {"\"hi \" + name", "\"hello \" + name"},
      {"total += n", "total += 2 * n"},
      {"balance += amount - fee;", "balance += amount - 2 * fee;"},
      {"return x + by;", "return x + 10 * by;"},
  }));
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(scaled(2), 7) << "a copy, read by the new body";
  EXPECT_EQ(counter(), 11) << "the closure's own state carries on";
  EXPECT_EQ(watch(5), 15) << "a reference to the variable it was made with";
  EXPECT_EQ(total, 15);
  EXPECT_EQ(deposit(10), 17) << "`this` and the fee it was made with";
  EXPECT_EQ(account.balance, 17);
  EXPECT_EQ(greet(), "hello ann");
  EXPECT_EQ(make_scaled(4)(1), 5) << "closures made after it";
  EXPECT_EQ(tally(1), 21) << "a class local to a patched function is the patch's";

  // What the lambda captures changes: the closure made before keeps the
  // body it ran (the last patch's); new ones run the new body.
  softpatch::Result<softpatch::PatchInfo> q = apply(edited({
      {"[factor](int x) { return x * factor; }",
       "[factor, plus = 5](int x) { return x * factor + plus; }"},
  }));
  ASSERT_TRUE(q) << q.error();
  EXPECT_EQ(scaled(2), 7);
  EXPECT_EQ(make_scaled(3)(2), 11);
  EXPECT_EQ(counter(), 12) << "the body as built again, on the closure's state";
}

TEST_F(Patching, APatchCallsAFunctionOfHiddenVisibilityOfAnotherFileByItsAddress) {
  use(SOFTPATCH_CALLBACKS_SOURCE);
  EXPECT_EQ(tally(1), 3);
  std::string calls_hidden = edited({{"return Adder{2}.add(n);", "return hidden_bonus(n);"}});
  // Not knowing the process, the dynamic linker alone cannot bind it.
  pid_ = 0;
  softpatch::Result<softpatch::PatchInfo> unbound = apply(calls_hidden);
  ASSERT_FALSE(unbound);
  EXPECT_THAT(unbound.error(), HasSubstr("does not define hidden_bonus(int)"));
  EXPECT_EQ(tally(1), 3) << "nothing was applied";
  pid_ = getpid();
  softpatch::Result<softpatch::PatchInfo> bound = apply(calls_hidden);
  ASSERT_TRUE(bound) << bound.error();
  EXPECT_EQ(tally(1), 101);
  EXPECT_EQ(bonus_function(), &hidden_bonus) << "the patch's &hidden_bonus is the program's";
  // A variable the program keeps hidden would be a second one in the patch.
  EXPECT_EQ(tick(), 1);
  softpatch::Result<softpatch::PatchInfo> second_copy =
      apply(edited({{"return Adder{2}.add(n);", "return next_tick() + n;"}}));
  ASSERT_FALSE(second_copy);
  EXPECT_THAT(second_copy.error(),
              HasSubstr("next_tick()::ticks is hidden in the program (hidden visibility): the "
                        "patch would have a second copy of it; restart needed"));
  EXPECT_EQ(tally(1), 101) << "nothing was applied";
}

TEST_F(Patching, APatchOfTheChangedFunctionsOnlyRunsAsTheWholeFileWould) {
  for (int i = 0; i < 2; ++i) bump(1);
  int total = g_total, counted_calls = calls(), hit = hits();
  int (*taken_before)(int) = &bump;

  // One function changed: it alone is compiled; the rest call the build's.
  std::string one = edited({{"  return g_total += by;\n}", "  return g_total += 10 * by;\n}"}});
  softpatch::Result<softpatch::PatchInfo> first = apply_changed_functions(one);
  ASSERT_TRUE(first) << first.error();
  EXPECT_GT(imported_, 3u) << "the unchanged functions are imported, not compiled";
  EXPECT_EQ(first->functions, 3u) << "bump, counted (its static is shared, so compiled) and "
                                     "Gauge::Gauge() (a constructor's body is always compiled)";
  EXPECT_EQ(bump(1), total + 10);
  EXPECT_EQ(taken_before(1), total + 20) << "a pointer taken before the patch";
  EXPECT_EQ(bump_twice(1), total + 40) << "an unchanged caller calls the new code";
  EXPECT_EQ(calls(), counted_calls + 4) << "a static of a function carried on";
  EXPECT_EQ(hits(), hit + 4) << "state the unchanged functions keep";
  EXPECT_EQ(depth(5), 5);
  EXPECT_EQ(runs_from("bump(int)"), first->number);
  EXPECT_EQ(runs_from("hits()"), 0);

  // Later edits: everything that differs from the build is carried, so an
  // earlier patch's functions never call stale code of their own.
  std::string two =
      edited({{"  return g_total += by;\n}", "  return g_total += 10 * by;\n}"},
              {"return n <= 0 ? 0 : depth(n - 1) + 1;", "return n <= 0 ? 0 : depth(n - 1) + 2;"}});
  softpatch::Result<softpatch::PatchInfo> second = apply_changed_functions(two);
  ASSERT_TRUE(second) << second.error();
  EXPECT_EQ(depth(5), 10) << "recursion in the new code";
  EXPECT_EQ(bump(1), total + 50);
  EXPECT_EQ(runs_from("bump(int)"), second->number);

  // A whole-file patch, then a patch of the changed functions: the whole
  // file's other functions go back to the build's code.
  ASSERT_TRUE(apply(two));
  EXPECT_NE(runs_from("hits()"), 0);
  softpatch::Result<softpatch::PatchInfo> fourth = apply_changed_functions(two);
  ASSERT_TRUE(fourth) << fourth.error();
  EXPECT_EQ(runs_from("hits()"), 0);
  EXPECT_EQ(depth(3), 6);

  // Rolled back, one by one, to the build.
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(softpatch::rollback()) << i;
  EXPECT_EQ(depth(5), 5);
  int before = g_total;
  EXPECT_EQ(bump(1), before + 1);
  EXPECT_EQ(runs_from("bump(int)"), 0);
}

}  // namespace
