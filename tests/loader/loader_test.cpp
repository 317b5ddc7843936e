// The loader: patches are validated whole, then applied; bad ones change
// nothing and say why; rollback restores exactly what a patch changed.
#include "softpatch/loader.h"

#include <dlfcn.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "result_testing.h"
#include "softpatch/agent.h"
#include "softpatch/internal/registry_state.h"
#include "softpatch/protocol/agent_protocol.h"
#include "target.h"
#include "unversioned_unit.h"

extern "C" char hook_log[64];
char hook_log[64] = "";  // what test patches' lifecycle hooks did

extern "C" int softpatch_test_program_marker;
int softpatch_test_program_marker = 0;  // found by the test patches in this program

namespace {

namespace protocol = softpatch::protocol;
using ::testing::HasSubstr;

std::string own_build_id() { return softpatch::module_build_id(reinterpret_cast<void*>(&answer)); }

std::string patch_path(const char* name) {
  return std::string(SOFTPATCH_PATCH_DIR) + "/lib" + name + ".so";
}

// The path of a test patch that will carry `build_id` when it is loaded.
std::string prepared(const char* name, const std::string& build_id) {
  if (build_id == own_build_id())
    unsetenv("SOFTPATCH_TEST_BUILD_ID");
  else
    setenv("SOFTPATCH_TEST_BUILD_ID", build_id.c_str(), 1);
  return patch_path(name);
}

TEST(Loader, ReadsTheProgramsBuildId) {
  std::string id = own_build_id();
  EXPECT_EQ(id.size(), 40u) << id;
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(Loader, AppliesAWholePatchAndRollsItBack) {
  ASSERT_EQ(answer(), 41);
  softpatch::Result<softpatch::PatchInfo> p =
      softpatch::load_patch(prepared("patch_answer", own_build_id()));
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(p->functions, 2u);  // new_helper has no slot: it is new
  EXPECT_EQ(p->project_file, "tests/loader/target.cpp");
  EXPECT_EQ(answer(), 42);
  EXPECT_EQ(call_hidden(2), 200);  // internal function, entry from the manifest
  softpatch::Result<softpatch::PatchInfo> back = softpatch::rollback();
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back->number, p->number);
  EXPECT_FALSE(back->active);
  EXPECT_EQ(answer(), 41);
  EXPECT_EQ(call_hidden(2), 2);
}

TEST(Loader, RollbackOfASupersededPatchIsRefused) {
  auto first = softpatch::load_patch(prepared("patch_answer", own_build_id()));
  auto second = softpatch::load_patch(prepared("patch_answer_again", own_build_id()));
  ASSERT_TRUE(first) << first.error();
  ASSERT_TRUE(second) << second.error();
  EXPECT_EQ(answer(), 43);
  softpatch::Result<softpatch::PatchInfo> refused = softpatch::rollback(first->number);
  ASSERT_FALSE(refused);
  EXPECT_THAT(refused.error(),
              HasSubstr("changed again by patch " + std::to_string(second->number)));
  EXPECT_EQ(answer(), 43);
  ASSERT_TRUE(softpatch::rollback());
  EXPECT_EQ(answer(), 42);
  ASSERT_TRUE(softpatch::rollback());
  EXPECT_EQ(answer(), 41);
  EXPECT_THAT(failure_of(softpatch::rollback(first->number)),
              HasSubstr("already rolled back"));  // already rolled back
}

TEST(Loader, APatchWrittenWhereAnEarlierOneWasIsTheNewOne) {
  std::string reused = std::string(SOFTPATCH_PATCH_DIR) + "/reused.so";
  std::filesystem::copy_file(prepared("patch_answer", own_build_id()), reused,
                             std::filesystem::copy_options::overwrite_existing);
  ASSERT_TRUE(softpatch::load_patch(reused));
  EXPECT_EQ(answer(), 42);
  std::filesystem::remove(reused);  // its inode may well be reused, too
  std::filesystem::copy_file(patch_path("patch_answer_again"), reused);
  ASSERT_TRUE(softpatch::load_patch(reused));
  EXPECT_EQ(answer(), 43);
  ASSERT_TRUE(softpatch::rollback());
  ASSERT_TRUE(softpatch::rollback());
  EXPECT_EQ(answer(), 41);
}

TEST(Loader, ChangedSignatureRefusesTheWholePatch) {
  softpatch::Result<softpatch::PatchInfo> p =
      softpatch::load_patch(prepared("patch_wrong_signature", own_build_id()));
  ASSERT_FALSE(p);
  EXPECT_THAT(p.error(),
              HasSubstr("patch_wrong_signature.so: add(int, int) changed its signature"));
  EXPECT_THAT(p.error(), HasSubstr("restart needed"));
  EXPECT_EQ(answer(), 41);  // nothing half-applied
}

TEST(Loader, PatchForAnotherBinaryIsRefused) {
  softpatch::Result<softpatch::PatchInfo> p =
      softpatch::load_patch(prepared("patch_answer_again", std::string(40, '0')));
  ASSERT_FALSE(p);
  EXPECT_THAT(p.error(), HasSubstr("built for another binary"));
  EXPECT_EQ(answer(), 41);
}

TEST(Loader, NotAPatchOrNotALibrary) {
  softpatch::Result<softpatch::PatchInfo> plain =
      softpatch::load_patch(patch_path("patch_no_manifest"));
  ASSERT_FALSE(plain);
  EXPECT_THAT(plain.error(), HasSubstr("not a softpatch patch"));

  std::string garbage = std::string(SOFTPATCH_PATCH_DIR) + "/garbage.so";
  std::ofstream(garbage) << "this is not an ELF file";
  softpatch::Result<softpatch::PatchInfo> corrupt = softpatch::load_patch(garbage);
  ASSERT_FALSE(corrupt);
  EXPECT_THAT(corrupt.error(), HasSubstr("garbage.so: not an ELF file"));

  // A real patch cut off halfway, as by a full disk or an interrupted copy.
  std::string truncated = std::string(SOFTPATCH_PATCH_DIR) + "/truncated.so";
  std::ifstream whole(patch_path("patch_answer"), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(whole)), std::istreambuf_iterator<char>());
  std::ofstream(truncated, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  softpatch::Result<softpatch::PatchInfo> cut = softpatch::load_patch(truncated);
  ASSERT_FALSE(cut);
  EXPECT_THAT(cut.error(), HasSubstr("truncated.so: truncated ("));
  EXPECT_EQ(answer(), 41);
}

// A manifest is data read from a file: one whose pointers lead outside the
// patch, or whose counts overrun its arrays, is refused before it is used.
TEST(Loader, CorruptManifestIsRefused) {
  const std::pair<const char*, const char*> cases[] = {
      {"file", "corrupt manifest (build id or file name)"},
      {"count", "corrupt manifest (1073741824 functions)"},
      {"entry", "corrupt manifest (entry of _Z6answerv)"},
      {"data-entry", "corrupt manifest (entry of _Z6answerv)"},
      {"twice", "corrupt manifest (_Z6answerv listed twice)"},
      {"flags", "corrupt manifest (flags of _Z6answerv)"},
      {"build-code-entry", "corrupt manifest (flags of _Z6answerv)"},
  };
  std::string path = prepared("patch_corrupt_manifest", own_build_id());
  for (auto [how, message] : cases) {
    setenv("SOFTPATCH_TEST_CORRUPTION", how, 1);
    softpatch::Result<softpatch::PatchInfo> p = softpatch::load_patch(path);
    ASSERT_FALSE(p) << how;
    EXPECT_THAT(p.error(), HasSubstr(message)) << how;
  }
  unsetenv("SOFTPATCH_TEST_CORRUPTION");
  softpatch::Result<softpatch::PatchInfo> fine = softpatch::load_patch(path);
  ASSERT_TRUE(fine) << fine.error();
  EXPECT_EQ(answer(), 7);
  // A patch may send a function back to the build's code.
  setenv("SOFTPATCH_TEST_CORRUPTION", "build-code", 1);
  softpatch::Result<softpatch::PatchInfo> back = softpatch::load_patch(path);
  unsetenv("SOFTPATCH_TEST_CORRUPTION");
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(answer(), 41);
  ASSERT_TRUE(softpatch::rollback());
  EXPECT_EQ(answer(), 7);
  ASSERT_TRUE(softpatch::rollback());
  EXPECT_EQ(answer(), 41);
}

// A patch of a file in a library loaded with dlopen: applied while the
// library is loaded (it stays loaded while the patch is checked); once it is
// closed, neither a rollback nor a new patch writes its slots.
TEST(Loader, PatchesOfALibraryThatIsClosedChangeNothing) {
  void* plugin = dlopen(SOFTPATCH_TEST_PLUGIN, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(plugin, nullptr) << dlerror();
  auto twice = reinterpret_cast<int (*)(int)>(dlsym(plugin, "plugin_twice"));
  ASSERT_NE(twice, nullptr);
  std::string path =
      prepared("patch_plugin", softpatch::module_build_id(reinterpret_cast<void*>(twice)));
  softpatch::Result<softpatch::PatchInfo> p = softpatch::load_patch(path);
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(twice(5), 15);
  ASSERT_EQ(dlclose(plugin), 0);

  softpatch::Result<softpatch::PatchInfo> back = softpatch::rollback(p->number);
  ASSERT_FALSE(back);
  EXPECT_THAT(back.error(), HasSubstr("tests/runtime/plugin.cpp is no longer loaded"));
  softpatch::Result<softpatch::PatchInfo> again = softpatch::load_patch(path);
  ASSERT_FALSE(again);
  EXPECT_THAT(again.error(), HasSubstr("tests/runtime/plugin.cpp is no longer loaded"));
  unsetenv("SOFTPATCH_TEST_BUILD_ID");
}

// The agent's answer to `file`, asked as this softpatch asks.
softpatch::Result<protocol::FileReply> file_in_agent(const std::string& project_file,
                                                     const std::string& module = "") {
  return protocol::parse_reply<protocol::FileReply>(softpatch::handle_agent_request(
      protocol::encode(protocol::FileRequest{project_file, module})));
}

// A library's file is answered for with its own module's build id while it
// is loaded, and named as gone once it is closed: it is looked up once,
// pinned while it is read, and not read after it went.
TEST(Loader, TheFileOfALibraryIsAnsweredForWhileItIsLoaded) {
  void* plugin = dlopen(SOFTPATCH_TEST_PLUGIN, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(plugin, nullptr) << dlerror();
  auto twice = reinterpret_cast<int (*)(int)>(dlsym(plugin, "plugin_twice"));
  ASSERT_NE(twice, nullptr);
  std::string plugin_id = softpatch::module_build_id(reinterpret_cast<void*>(twice));
  softpatch::Result<protocol::FileReply> loaded = file_in_agent("tests/runtime/plugin.cpp");
  ASSERT_TRUE(loaded) << loaded.error();
  EXPECT_EQ(loaded->build_id, plugin_id);
  EXPECT_NE(loaded->build_id, own_build_id());
  EXPECT_FALSE(loaded->code.empty());
  // Asked in its module, or in one that does not have it.
  softpatch::Result<protocol::FileReply> in_module =
      file_in_agent("tests/runtime/plugin.cpp", plugin_id);
  ASSERT_TRUE(in_module) << in_module.error();
  EXPECT_EQ(in_module->build_id, plugin_id);
  EXPECT_EQ(
      failure_of(file_in_agent("tests/runtime/plugin.cpp", own_build_id())),
      "tests/runtime/plugin.cpp is not instrumented in the module of build id " + own_build_id());
  ASSERT_EQ(dlclose(plugin), 0);
  EXPECT_EQ(failure_of(file_in_agent("tests/runtime/plugin.cpp")),
            "tests/runtime/plugin.cpp is no longer loaded (a library closed, or the program is "
            "exiting)");
  EXPECT_EQ(failure_of(file_in_agent("tests/loader/none.cpp")),
            "tests/loader/none.cpp is not an instrumented file of the running program");
  softpatch::Result<protocol::FileReply> own = file_in_agent("tests/loader/target.cpp");
  ASSERT_TRUE(own) << own.error();
  EXPECT_EQ(own->build_id, own_build_id());
}

// A command of another softpatch build could not read the reply to a load
// that succeeded and would call it a failure: its load is refused before
// the patch is even opened.
TEST(Loader, ALoadInAnotherProtocolVersionLoadsNothing) {
  std::string path = prepared("patch_answer", own_build_id());
  std::size_t before = softpatch::patches().size();
  std::string newer = "v" + std::to_string(protocol::kProtocolVersion + 1);
  for (const std::string& line : {"load " + path, newer + " load " + path}) {
    std::string reply = softpatch::handle_agent_request(line);
    EXPECT_THAT(reply, HasSubstr(protocol::kOtherVersion)) << line;
    EXPECT_EQ(softpatch::patches().size(), before) << line;
    EXPECT_EQ(answer(), 41) << line;
  }
  // In this softpatch's words the same load applies, and its reply reads.
  softpatch::Result<protocol::PatchReply> loaded = protocol::parse_reply<protocol::PatchReply>(
      softpatch::handle_agent_request(protocol::encode(protocol::LoadRequest{path})));
  ASSERT_TRUE(loaded) << loaded.error();
  EXPECT_EQ(loaded->patch.project_file, "tests/loader/target.cpp");
  EXPECT_EQ(answer(), 42);
  ASSERT_TRUE(softpatch::rollback());
  EXPECT_EQ(answer(), 41);
}

using softpatch::testing::UnversionedUnit;

// A file instrumented by an older softpatch is named as such to the
// command line, and to a patch of it, not as unknown.
TEST(Loader, AFileInstrumentedByAnotherVersionIsNamedSo) {
  UnversionedUnit old{"/src/tests/loader/old.cpp", "tests/loader/old.cpp"};
  auto* unit = reinterpret_cast<softpatch::internal::TranslationUnit*>(&old);
  testing::internal::CaptureStderr();
  softpatch::internal::register_unit(unit);
  std::string warned = testing::internal::GetCapturedStderr();
  std::string why =
      "tests/loader/old.cpp was instrumented by another softpatch version (unit version 3 or "
      "older, this runtime reads " +
      std::to_string(softpatch::internal::kUnitVersion) + "): rebuild it";
  EXPECT_EQ(warned, "softpatch: " + why + "\n");
  EXPECT_EQ(failure_of(file_in_agent("tests/loader/old.cpp")), why);
  softpatch::internal::unregister_unit(unit);
  EXPECT_FALSE(softpatch::internal::unit_departed("tests/loader/old.cpp"));  // never registered
}

// Patches stay loaded for good, but keep no file descriptor: a long session
// of patches must not run the program out of them.
TEST(Loader, LoadedPatchesKeepNoDescriptorOpen) {
  auto open_descriptors = [] {
    return std::distance(std::filesystem::directory_iterator("/proc/self/fd"),
                         std::filesystem::directory_iterator{});
  };
  std::string path = prepared("patch_answer", own_build_id());
  long before = open_descriptors();
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(softpatch::load_patch(path));
    ASSERT_TRUE(softpatch::rollback());
  }
  EXPECT_EQ(open_descriptors(), before);
}

// Copies a good patch to `path` with `mode`; returns the path.
std::string copy_of_patch(const std::string& path, mode_t mode) {
  std::ifstream from(patch_path("patch_answer"), std::ios::binary);
  std::ofstream(path, std::ios::binary) << from.rdbuf();
  chmod(path.c_str(), mode);
  return path;
}

// Why load_patch refused `path` ("loaded" if it did not).
std::string refusal(const std::string& path) {
  softpatch::Result<softpatch::PatchInfo> p = softpatch::load_patch(path);
  if (!p) return p.error();
  (void)softpatch::rollback();
  return "loaded";
}

TEST(Loader, RefusesPatchFilesOthersCouldHaveWritten) {
  std::string dir = std::string(SOFTPATCH_PATCH_DIR) + "/trust";
  mkdir(dir.c_str(), 0755);
  chmod(dir.c_str(), 0755);

  std::string writable = copy_of_patch(dir + "/world-writable.so", 0666);
  EXPECT_THAT(refusal(writable),
              HasSubstr("world-writable.so: the file is writable by other users"));

  std::string link = dir + "/link.so";
  unlink(link.c_str());
  ASSERT_EQ(symlink(patch_path("patch_answer").c_str(), link.c_str()), 0);
  EXPECT_THAT(refusal(link), HasSubstr("link.so: is a symbolic link"));

  EXPECT_THAT(refusal(dir), HasSubstr("not a regular file"));

  std::string fifo = dir + "/fifo.so";  // opening it must not wait for a writer
  unlink(fifo.c_str());
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_THAT(refusal(fifo), HasSubstr("fifo.so: not a regular file"));

  std::string empty = dir + "/empty.so";
  std::ofstream(empty).close();
  chmod(empty.c_str(), 0644);
  EXPECT_THAT(refusal(empty), HasSubstr("empty.so: empty"));

  std::string shared_dir = dir + "/shared";
  mkdir(shared_dir.c_str(), 0777);
  chmod(shared_dir.c_str(), 0777);
  EXPECT_THAT(refusal(copy_of_patch(shared_dir + "/patch.so", 0644)),
              HasSubstr("its directory is writable by other users"));

  // A shared object for another machine (here: the same file, its ELF
  // machine field changed to AArch64).
  std::string foreign = copy_of_patch(dir + "/aarch64.so", 0644);
  {
    std::fstream elf(foreign, std::ios::in | std::ios::out | std::ios::binary);
    elf.seekp(18);
    const char aarch64[2] = {static_cast<char>(183), 0};  // EM_AARCH64, little-endian
    elf.write(aarch64, 2);
  }
  EXPECT_THAT(refusal(foreign),
              HasSubstr("aarch64.so: built for another architecture (ELF machine 183)"));

  if (geteuid() == 0) {  // root can make a file another user's
    std::string theirs = copy_of_patch(dir + "/theirs.so", 0644);
    ASSERT_EQ(chown(theirs.c_str(), 65534, 65534), 0);
    EXPECT_THAT(refusal(theirs), HasSubstr("the file belongs to another user (uid 65534)"));
  }
  EXPECT_EQ(answer(), 41);  // nothing changed
}

TEST(Loader, HistoryListsEveryPatchInOrder) {
  size_t before = softpatch::patches().size();
  ASSERT_TRUE(softpatch::load_patch(prepared("patch_answer", own_build_id())));
  ASSERT_TRUE(softpatch::load_patch(prepared("patch_answer_again", own_build_id())));
  ASSERT_TRUE(softpatch::rollback());
  std::vector<softpatch::PatchInfo> all = softpatch::patches();
  ASSERT_EQ(all.size(), before + 2);
  EXPECT_EQ(all[before].number, static_cast<int>(before) + 1);
  EXPECT_TRUE(all[before].active);
  EXPECT_FALSE(all[before + 1].active);
  EXPECT_THAT(all[before + 1].path, HasSubstr("patch_answer_again.so"));
  ASSERT_TRUE(softpatch::rollback());
  EXPECT_EQ(answer(), 41);
}

TEST(Loader, LifecycleHooksRunAndTheirErrorsAreReported) {
  std::memset(hook_log, 0, sizeof hook_log);
  softpatch::Result<softpatch::PatchInfo> p =
      softpatch::load_patch(prepared("patch_hooks", own_build_id()));
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(answer(), 44);
  EXPECT_STREQ(hook_log, "A");  // the throwing hook did not stop the applied ones
  EXPECT_EQ(p->hook_errors, "a lifecycle hook threw: applied hook failed\n");
  softpatch::Result<softpatch::PatchInfo> back = softpatch::rollback();
  ASSERT_TRUE(back) << back.error();
  EXPECT_STREQ(hook_log, "A21");  // removed hooks, last registered first
  EXPECT_EQ(answer(), 41);
}

TEST(Loader, SupersededPatchHearsItGoes) {
  std::memset(hook_log, 0, sizeof hook_log);
  ASSERT_TRUE(softpatch::load_patch(prepared("patch_hooks", own_build_id())));
  ASSERT_TRUE(softpatch::load_patch(prepared("patch_answer_again", own_build_id())));
  EXPECT_STREQ(hook_log, "A21");
  EXPECT_EQ(answer(), 43);
  ASSERT_TRUE(softpatch::rollback());
  ASSERT_TRUE(softpatch::rollback());
  EXPECT_EQ(answer(), 41);
}

TEST(Loader, DeferredPatchesWaitForASafePoint) {
  softpatch::set_deferred(true);
  softpatch::Result<softpatch::PatchInfo> p =
      softpatch::load_patch(prepared("patch_answer", own_build_id()));
  softpatch::set_deferred(false);
  ASSERT_TRUE(p) << p.error();
  EXPECT_TRUE(p->pending);
  EXPECT_FALSE(p->active);
  EXPECT_EQ(answer(), 41);  // checked, not switched
  EXPECT_THAT(failure_of(softpatch::rollback(p->number)), HasSubstr("waits for a safe point"));
  EXPECT_EQ(softpatch::safepoint(), 1);
  EXPECT_EQ(answer(), 42);
  EXPECT_EQ(softpatch::safepoint(), 0);
  ASSERT_TRUE(softpatch::rollback());
  EXPECT_EQ(answer(), 41);
}

// Eight threads call the patched function while patches are applied and
// rolled back; every call sees one whole version (run under TSan in CI).
TEST(Loader, CallsDuringPatchAndRollbackCycles) {
  std::string first = prepared("patch_answer", own_build_id());
  std::string second = prepared("patch_answer_again", own_build_id());
  constexpr int kThreads = 8, kCycles = 200;
  std::atomic<bool> stop{false};
  std::atomic<long> calls{0}, wrong{0};
  std::vector<std::thread> callers;
  // The callers are stopped and joined however the test ends.
  struct Joiner {
    std::atomic<bool>& stop;
    std::vector<std::thread>& threads;
    void join() {
      stop = true;
      for (std::thread& t : threads)
        if (t.joinable()) t.join();
    }
    ~Joiner() { join(); }
  } joiner{stop, callers};
  for (int t = 0; t < kThreads; ++t)
    callers.emplace_back([&] {
      while (!stop.load(std::memory_order_relaxed)) {
        int a = answer();
        if (a < 41 || a > 43) wrong.fetch_add(1, std::memory_order_relaxed);
        calls.fetch_add(1, std::memory_order_relaxed);
      }
    });
  // Each version is called before the next switch, however the threads are
  // scheduled: once each caller may have finished a call begun before the
  // switch, one more call began after it.
  auto await_a_call_after_the_switch = [&] {
    long until = calls.load() + kThreads + 1;
    while (calls.load() < until) std::this_thread::yield();
  };
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    ASSERT_TRUE(softpatch::load_patch(cycle % 2 ? first : second));
    await_a_call_after_the_switch();
    ASSERT_TRUE(softpatch::rollback());
    await_a_call_after_the_switch();
  }
  joiner.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_GE(calls.load(), 2 * kCycles * (kThreads + 1));
  EXPECT_EQ(answer(), 41);
}

}  // namespace
