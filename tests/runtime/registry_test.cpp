// The registry: registration of instrumented files, lookups, and slots that
// redirect calls.
#include "softpatch/registry.h"

#include <dlfcn.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <string>
#include <thread>

#include "result_testing.h"
#include "sample.h"
#include "softpatch/internal/registry_state.h"
#include "unversioned_unit.h"

namespace {

using softpatch::Function;
using softpatch::Result;
using softpatch::internal::RawFunction;
using ::testing::HasSubstr;

Function must_find(std::string_view name) {
  Result<Function> f = softpatch::find_function(name);
  if (!f) ADD_FAILURE() << f.error();
  return f.value();
}

// Points a function's slot at `replacement` for the life of the object.
class Redirect {
 public:
  template <class F>
  Redirect(std::string_view name, F* replacement)
      : slot_(must_find(name).slot()),
        previous_(slot_.exchange(reinterpret_cast<RawFunction>(replacement))) {}
  ~Redirect() { slot_.exchange(previous_); }

 private:
  softpatch::internal::Slot& slot_;
  RawFunction previous_;
};

TEST(Registry, FindsByExactReadableName) {
  Function f = must_find("sample::add2(int)");
  EXPECT_STREQ(f.name(), "sample::add2(int)");
  EXPECT_STREQ(f.signature(), "int (int)");
  EXPECT_STREQ(f.project_file(), "tests/runtime/sample.cpp");
  EXPECT_EQ(f.line(), static_cast<unsigned>(sample::kAdd2Line));
  EXPECT_FALSE(f.patched());
}

TEST(Registry, FindsByUnqualifiedOrPartlyQualifiedName) {
  EXPECT_EQ(must_find("add2"), must_find("sample::add2(int)"));
  EXPECT_EQ(must_find("Counter::add"), must_find("sample::Counter::add(int)"));
  EXPECT_EQ(must_find("get"), must_find("sample::Counter::get() const"));
  EXPECT_EQ(must_find("overloaded(int)"), must_find("sample::overloaded(int)"));
}

TEST(Registry, AmbiguousNameListsEveryCandidate) {
  Result<Function> f = softpatch::find_function("overloaded");
  ASSERT_FALSE(f);
  EXPECT_THAT(f.error(), HasSubstr("ambiguous"));
  EXPECT_THAT(f.error(), HasSubstr("sample::overloaded(int)"));
  EXPECT_THAT(f.error(), HasSubstr("sample::overloaded(const std::string &)"));
}

TEST(Registry, UnknownNameSaysHowToInstrument) {
  Result<Function> f = softpatch::find_function("no_such_function");
  ASSERT_FALSE(f);
  EXPECT_THAT(f.error(), HasSubstr("no_such_function"));
  EXPECT_THAT(f.error(), HasSubstr("softpatch_instrument"));
  // A suffix must start at a scope boundary: "dd2" is not "add2".
  EXPECT_THAT(failure_of(softpatch::find_function("dd2")), HasSubstr("named dd2"));
}

TEST(Registry, FindsByStableId) {
  Result<Function> f = softpatch::find_function_by_id("_ZN6sample4add2Ei");
  ASSERT_TRUE(f) << f.error();
  EXPECT_STREQ(f->name(), "sample::add2(int)");
  // Internal linkage: the id is prefixed with the file, relative to the root.
  Result<Function> hidden =
      softpatch::find_function_by_id("tests/runtime/sample.cpp:_ZN6sample12_GLOBAL__N_16hiddenEi");
  ASSERT_TRUE(hidden) << hidden.error();
  EXPECT_TRUE(hidden->flags() & softpatch::internal::kInternalLinkage);
  EXPECT_THAT(failure_of(softpatch::find_function_by_id("_Z7missingv")), HasSubstr("_Z7missingv"));
}

TEST(Registry, FindsByAddress) {
  Result<Function> f = softpatch::find_function_at(&sample::add2);
  ASSERT_TRUE(f) << f.error();
  EXPECT_STREQ(f->name(), "sample::add2(int)");
  // Static members are found through their exported symbol.
  Result<Function> twice = softpatch::find_function_at(&sample::Counter::twice);
  ASSERT_TRUE(twice) << twice.error();
  EXPECT_STREQ(twice->name(), "sample::Counter::twice(int)");
  Result<Function> missing = softpatch::find_function_at(&dlerror);
  ASSERT_FALSE(missing);
  EXPECT_THAT(missing.error(), HasSubstr("dlerror"));
}

TEST(Registry, DescribesMethods) {
  Function get = must_find("sample::Counter::get() const");
  EXPECT_TRUE(get.is_method());
  EXPECT_STREQ(get.signature(), "int (const sample::Counter *)");
  // A method's code, found by its exported symbol (it takes the object first).
  ASSERT_NE(get.address(), nullptr);
  EXPECT_EQ(reinterpret_cast<void*>(get.address()), dlsym(RTLD_DEFAULT, get.id()));
  Function kind = must_find("Counter::kind");
  EXPECT_TRUE(kind.flags() & softpatch::internal::kVirtual);
  Function twice = must_find("Counter::twice");
  EXPECT_FALSE(twice.is_method());
  EXPECT_TRUE(twice.flags() & softpatch::internal::kStaticMember);
  EXPECT_TRUE(must_find("fail").flags() & softpatch::internal::kNoreturn);
  EXPECT_TRUE(softpatch::find_function("Counter::secret"));  // private ones too
}

TEST(Registry, ListsEveryFunctionOnce) {
  std::vector<Function> all = softpatch::functions();
  int add2_count = 0;
  for (const Function& f : all) add2_count += std::string(f.name()) == "sample::add2(int)";
  EXPECT_EQ(add2_count, 1);
  EXPECT_GE(all.size(), 15u);
}

TEST(Registry, RecordsMutableInternalVariables) {
  std::vector<softpatch::Variable> vars = softpatch::variables("tests/runtime/sample.cpp");
  auto find = [&](const char* name) -> const softpatch::Variable* {
    for (const softpatch::Variable& v : vars)
      if (std::string(v.name) == name) return &v;
    return nullptr;
  };
  const softpatch::Variable* hidden = find("sample::(anonymous namespace)::hidden_counter");
  ASSERT_NE(hidden, nullptr);
  EXPECT_EQ(hidden->address, sample::hidden_counter_address());
  EXPECT_STREQ(hidden->type, "int");
  ASSERT_NE(find("sample::counter"), nullptr);
  EXPECT_EQ(find("sample::counter")->address, &sample::counter_ref());
  EXPECT_EQ(find("sample::kAdd2Line"), nullptr);  // constants are not recorded

  const softpatch::Variable* per_thread = find("sample::thread_counter");
  ASSERT_NE(per_thread, nullptr);
  EXPECT_TRUE(per_thread->is_thread_local);
  EXPECT_EQ(per_thread->address, sample::thread_counter_address());
  // Asked from another thread, the registry gives that thread's instance.
  void* seen_by_registry = nullptr;
  void* actual = nullptr;
  std::thread([&] {
    for (const softpatch::Variable& v : softpatch::variables("tests/runtime/sample.cpp"))
      if (std::string(v.name) == "sample::thread_counter") seen_by_registry = v.address;
    actual = sample::thread_counter_address();
  }).join();
  EXPECT_EQ(seen_by_registry, actual);
  EXPECT_NE(actual, per_thread->address);
}

TEST(Trampoline, WorksBeforeMainAndRegistration) { EXPECT_EQ(sample::value_seen_before_main, 42); }

int times100(int a) { return a * 100; }

TEST(Trampoline, SlotRedirectsCallsAndRestores) {
  EXPECT_EQ(sample::add2(1), 3);
  {
    Redirect r("sample::add2(int)", &times100);
    EXPECT_TRUE(must_find("add2").patched());
    EXPECT_EQ(sample::add2(1), 100);
  }
  EXPECT_EQ(sample::add2(1), 3);
}

int add_ten(sample::Counter* self, int by) { return by + 10 + (self ? 0 : 1000); }

TEST(Trampoline, MethodsReceiveTheObjectFirst) {
  sample::Counter c;
  Redirect r("Counter::add", &add_ten);
  EXPECT_EQ(c.add(5), 15);
  EXPECT_EQ(c.get(), 0);  // the original never ran
}

int not_so_secret(const sample::Counter*) { return 7; }

TEST(Trampoline, PrivateMethodCalledFromInside) {
  sample::Counter c;
  Redirect r("sample::Counter::secret() const", &not_so_secret);
  EXPECT_EQ(c.reveal(), 7);
}

std::unique_ptr<int> keep(std::unique_ptr<int> p) {
  *p *= 10;
  return p;
}

TEST(Trampoline, MoveOnlyParametersAreMovedThrough) {
  Redirect r("take", &keep);
  std::unique_ptr<int> out = sample::take(std::make_unique<int>(4));
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, 40);
}

int other_counter = 5;
int& other_ref() { return other_counter; }

TEST(Trampoline, ReferenceResultsAreReferences) {
  Redirect r("counter_ref", &other_ref);
  sample::counter_ref() = 9;
  EXPECT_EQ(other_counter, 9);
}

double half(double x, int) { return x / 2; }

TEST(Trampoline, DefaultArgumentsArePassedToTheReplacement) {
  EXPECT_EQ(sample::scale(3.0), 6.0);
  Redirect r("scale", &half);
  EXPECT_EQ(sample::scale(3.0), 1.5);
}

TEST(Trampoline, InternalFunctionsCanBeRedirected) {
  Redirect r("hidden", &times100);
  EXPECT_EQ(sample::call_hidden(2), 200);
}

// The plugin is an instrumented MODULE library next to this test.
TEST(Registry, RegistersAndUnregistersDlopenedLibraries) {
  EXPECT_THAT(failure_of(softpatch::find_function("plugin::twice")), HasSubstr("plugin::twice"));
  void* handle = dlopen(SOFTPATCH_TEST_PLUGIN, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(handle, nullptr) << dlerror();
  {
    Function twice = must_find("plugin::twice");
    auto* plugin_twice = reinterpret_cast<int (*)(int)>(dlsym(handle, "plugin_twice"));
    ASSERT_NE(plugin_twice, nullptr);
    EXPECT_EQ(reinterpret_cast<void*>(twice.address()), dlsym(handle, "_ZN6plugin5twiceEi"));
    EXPECT_EQ(plugin_twice(4), 8);
    Redirect r("plugin::twice", &times100);
    EXPECT_EQ(plugin_twice(4), 400);
  }
  ASSERT_EQ(dlclose(handle), 0);
  ASSERT_EQ(dlopen(SOFTPATCH_TEST_PLUGIN, RTLD_NOW | RTLD_NOLOAD), nullptr)
      << "the plugin stayed loaded, so unregistration cannot be observed";
  EXPECT_THAT(failure_of(softpatch::find_function("plugin::twice")), HasSubstr("plugin::twice"));
}

// Two plugins that include gadget.h, loaded with RTLD_LOCAL into a program
// that does not: each has its own copy of the header function's slot, and
// the registry says so (a mock of it warns).
TEST(Registry, NamesTheSlotsOfAHeaderFunctionThatLibrariesKeptApart) {
  void* a = dlopen(SOFTPATCH_TEST_GADGET_A, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(a, nullptr) << dlerror();
  void* b = dlopen(SOFTPATCH_TEST_GADGET_B, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(b, nullptr) << dlerror();
  {
    auto* gadget_a = reinterpret_cast<int (*)(int)>(dlsym(a, "gadget_a"));
    auto* gadget_b = reinterpret_cast<int (*)(int)>(dlsym(b, "gadget_b"));
    ASSERT_TRUE(gadget_a && gadget_b);
    Function value = must_find("gadget::value");
    std::vector<Function> others = softpatch::other_slots_of(value);
    ASSERT_EQ(others.size(), 1u);
    EXPECT_NE(&others[0].slot(), &value.slot());
    ASSERT_EQ(softpatch::other_slots_of(others[0]).size(), 1u);
    Redirect r("gadget::value", &times100);
    // One library's calls run the replacement, the other's their own code.
    EXPECT_EQ(gadget_a(2) + gadget_b(2), 200 + 3);
  }
  ASSERT_EQ(dlclose(b), 0);
  ASSERT_EQ(dlclose(a), 0);
  // A header function's slot does not keep its library loaded (g++ would
  // make a template's static member STB_GNU_UNIQUE, which does).
  EXPECT_EQ(dlopen(SOFTPATCH_TEST_GADGET_A, RTLD_NOW | RTLD_NOLOAD), nullptr);
  EXPECT_EQ(dlopen(SOFTPATCH_TEST_GADGET_B, RTLD_NOW | RTLD_NOLOAD), nullptr);
  EXPECT_THAT(failure_of(softpatch::find_function("gadget::value")), HasSubstr("gadget::value"));
}

// dlopen runs a library's registration holding the dynamic loader's lock;
// lookups must never wait for that lock while holding the registry's.
TEST(Registry, LookupsWhileLibrariesComeAndGo) {
  constexpr int kLoads = 50;
  std::atomic<bool> done{false};
  std::atomic<long> lookups{0};
  std::string load_error;
  std::thread loader([&] {
    for (int i = 0; i < kLoads; ++i) {
      long before = lookups.load();
      void* handle = dlopen(SOFTPATCH_TEST_PLUGIN, RTLD_NOW | RTLD_LOCAL);
      if (!handle) {
        load_error = dlerror();
        break;
      }
      dlclose(handle);
      // The two sides meet, however the threads are scheduled: the next
      // load waits for a lookup made since this one began.
      while (lookups.load() == before) std::this_thread::yield();
    }
    done = true;
  });
  while (!done) {
    EXPECT_THAT(failure_of(softpatch::find_function_at(&dlerror)),
                HasSubstr("no instrumented function at"));  // takes the symbol path
    EXPECT_FALSE(softpatch::functions().empty());
    ++lookups;
  }
  loader.join();
  EXPECT_EQ(load_error, "");
  EXPECT_GE(lookups.load(), kLoads);
}

using softpatch::testing::UnversionedUnit;

softpatch::internal::Slot stale_slot;
const softpatch::internal::FunctionRecord stale_records[] = {
    {&stale_slot, "_Z5stalev", "stale()", "int ()", 1, 0, nullptr}};

// What registering `unit` printed on stderr; unregisters it again.
std::string registering(softpatch::internal::TranslationUnit* unit) {
  testing::internal::CaptureStderr();
  softpatch::internal::register_unit(unit);
  std::string said = testing::internal::GetCapturedStderr();
  EXPECT_THAT(failure_of(softpatch::find_function("stale()")), HasSubstr("no instrumented"));
  EXPECT_TRUE(softpatch::internal::units_of("src/stale.cpp").empty());
  softpatch::internal::unregister_unit(unit);
  return said;
}

// A file instrumented by another softpatch (its unit made by hand here):
// left out with one line naming it, read no further than the fields every
// version keeps, written nowhere (its list links are not where this runtime
// would put them); the program goes on with that file unpatched.
TEST(Registry, AUnitOfAnotherVersionIsLeftOutByName) {
  std::size_t before = softpatch::functions().size();
  std::string reads = std::to_string(softpatch::internal::kUnitVersion);

  // Before versions: its first field is the file name's pointer.
  struct {
    UnversionedUnit unit{"/work/src/stale.cpp", "src/stale.cpp", stale_records, 1};
    std::uintptr_t after = 0x5afe;  // where this runtime's `next` would be
  } old;
  old.unit.prev = old.unit.next = &old;
  EXPECT_EQ(registering(reinterpret_cast<softpatch::internal::TranslationUnit*>(&old.unit)),
            "softpatch: src/stale.cpp was instrumented by another softpatch version (unit version "
            "3 or older, this runtime reads " +
                reads + "): rebuild it\n");
  EXPECT_EQ(old.after, 0x5afeu);
  EXPECT_EQ(old.unit.prev, &old);
  EXPECT_EQ(old.unit.next, &old);

  // A newer one, its version first.
  softpatch::internal::TranslationUnit newer{};
  newer.version = softpatch::internal::kUnitVersion + 1;
  newer.file = "/work/src/stale.cpp";
  newer.project_file = "src/stale.cpp";
  newer.functions = stale_records;
  newer.function_count = 1;
  newer.prev = newer.next = &newer;
  std::string newer_version = std::to_string(softpatch::internal::kUnitVersion + 1);
  EXPECT_EQ(
      registering(&newer),
      "softpatch: src/stale.cpp was instrumented by another softpatch version (unit version " +
          newer_version + ", this runtime reads " + reads + "): rebuild it\n");
  EXPECT_EQ(newer.prev, &newer);
  EXPECT_EQ(newer.next, &newer);

  // The rest of the program is untouched, and not one unit departed.
  EXPECT_EQ(softpatch::functions().size(), before);
  EXPECT_EQ(must_find("sample::add2(int)").name(), std::string("sample::add2(int)"));
  EXPECT_FALSE(softpatch::internal::unit_departed("src/stale.cpp"));
  std::optional<std::string> why = softpatch::internal::unit_refused("src/stale.cpp");
  ASSERT_TRUE(why);
  EXPECT_THAT(*why, HasSubstr("src/stale.cpp was instrumented by another softpatch version"));
  EXPECT_FALSE(softpatch::internal::unit_refused("tests/runtime/sample.cpp"));
}

}  // namespace
