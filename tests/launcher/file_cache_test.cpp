// The caches' shared rules: stable keys, whole files, one build per entry,
// and trimming that goes oldest first and never touches an entry in use.
#include "softpatch/cache/file_cache.h"

#include "scoped_env.h"
#include "softpatch/cache/caches.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

namespace {

namespace fs = std::filesystem;
namespace cache = softpatch::cache;
using namespace std::chrono_literals;

// An entry's name as a cache makes it (caches touch no other files).
std::string key(const char* name) { return cache::Key("test").add(name).name(); }

// A layout like the caches': a main file, a companion, a marker.
cache::Layout test_layout() { return {{".pch"}, {".h"}, ".lock", 120s, {{".seen", 7 * 24h}}}; }

class FileCache : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/softpatch-cache-XXXXXX";
    root_ = mkdtemp(pattern);
  }
  void TearDown() override { fs::remove_all(root_); }

  cache::Directory open(const std::string& name = "cache") const {
    softpatch::Result<cache::Directory> dir =
        cache::Directory::open((root_ / name).string(), test_layout());
    if (!dir) {
      ADD_FAILURE() << dir.error();
      std::abort();
    }
    return *dir;
  }

  // Writes `bytes` bytes to `path`, dated `age` ago.
  static void write(const std::string& path, std::size_t bytes, std::chrono::seconds age) {
    std::ofstream(path) << std::string(bytes, 'x');
    date(path, age);
  }
  static void date(const std::string& path, std::chrono::seconds age) {
    struct timespec times[2] = {{0, UTIME_OMIT}, {std::time(nullptr) - age.count(), 0}};
    ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), times, 0), 0) << path;
  }
  // Entry `key`: a main file of `bytes` bytes and a 10-byte companion, last used `age` ago.
  static void entry(const cache::Directory& dir, const std::string& key, std::size_t bytes,
                    std::chrono::seconds age) {
    write(dir.file(key, ".h"), 10, age);
    write(dir.file(key, ".pch"), bytes, age);
  }
  static bool exists(const std::string& path) { return fs::exists(path); }

  fs::path root_;
};

TEST(FileCacheKey, IsStableAndFramesItsParts) {
  // Pinned: a changed hash or framing would silently orphan every entry.
  EXPECT_EQ(cache::Key("test/1").name(),
            "354c0ed3d9e68c2b5f423df6e6e58241767a3a1b2d2823945f2a4296250eff26");
  EXPECT_EQ(cache::Key("test/1").add("ab").add("c").name(),
            "db8c6f44e6edd74be83e76d9c8eea22cbf5929f13ea626642fcf034f5f72c234");
  EXPECT_EQ(
      cache::Key("test/1").add(std::vector<std::string>{"c++", "-O2"}).add("#include <x>\n").name(),
      "eb69821c748c5b4032897b46039e1a4b4b8dfc17c87fbcae32297856ab0d1123");
  EXPECT_EQ(cache::Key("test/1").add(std::string(1000, 'x')).name(),  // several blocks
            "8abdd6fd92c3e490a7e1a92776cec94990fb55939d48372499cbdbd9cf9c02e1");

  EXPECT_NE(cache::Key("test/1").add("ab").add("c").name(),
            cache::Key("test/1").add("a").add("bc").name());
  EXPECT_NE(cache::Key("test/1").add("a").name(), cache::Key("test/2").add("a").name());
  EXPECT_NE(cache::Key("t").add(std::vector<std::string>{"a", "b"}).add("c").name(),
            cache::Key("t").add(std::vector<std::string>{"a"}).add("b").add("c").name());
  std::string name = cache::Key("test/1").add("x").name();
  EXPECT_EQ(name.size(), 64u);
  EXPECT_EQ(name.find('.'), std::string::npos);
}

TEST(FileCacheDirectory, DefaultFollowsTheEnvironment) {
  ScopedEnv home("HOME", "/home/me");
  {
    ScopedEnv dir("SOFTPATCH_CACHE_DIR", "/elsewhere");
    EXPECT_EQ(cache::default_directory(), "/elsewhere");
  }
  {
    ScopedEnv off("SOFTPATCH_CACHE_DIR", "off");
    EXPECT_EQ(cache::default_directory(), "");
  }
  ScopedEnv unset("SOFTPATCH_CACHE_DIR", nullptr);
  {
    ScopedEnv xdg("XDG_CACHE_HOME", "/somewhere");
    EXPECT_EQ(cache::default_directory(), "/somewhere/softpatch");
  }
  ScopedEnv no_xdg("XDG_CACHE_HOME", nullptr);
  EXPECT_EQ(cache::default_directory(), "/home/me/.cache/softpatch");
}

TEST_F(FileCache, DirectoriesAreMadePrivateAndOthersRefused) {
  cache::Directory dir = open("a/b");
  struct stat info {};
  ASSERT_EQ(stat(dir.path().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);
  ASSERT_EQ(stat((root_ / "a").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);

  fs::create_directory(root_ / "shared");
  chmod((root_ / "shared").c_str(), 0777);
  softpatch::Result<cache::Directory> shared =
      cache::Directory::open((root_ / "shared").string(), test_layout());
  ASSERT_FALSE(shared);
  EXPECT_NE(shared.error().find("writable by others"), std::string::npos) << shared.error();

  softpatch::Result<cache::Directory> off = cache::Directory::open("", test_layout());
  ASSERT_FALSE(off);
  off.ignore();
}

TEST_F(FileCache, AnAtomicWriteIsNeverSeenHalfDone) {
  cache::Directory dir = open();
  std::string path = dir.file(key("k"), ".h");
  const std::string a(1 << 20, 'a'), b(1 << 20, 'b');
  softpatch::Result<std::string> first = cache::write_atomically(path, a);
  ASSERT_TRUE(first) << first.error();

  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < 100; ++i) {
      softpatch::Result<std::string> written = cache::write_atomically(path, i % 2 ? a : b);
      if (!written) ADD_FAILURE() << written.error();
    }
    done = true;
  });
  int reads = 0;
  while (!done || reads == 0) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    const std::string& seen = text.str();
    ASSERT_TRUE(seen == a || seen == b) << "read " << seen.size() << " bytes";
    ++reads;
  }
  writer.join();
  // Nothing left behind but the file itself.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

TEST_F(FileCache, AFailedCommitLeavesNoTemporary) {
  cache::Directory dir = open();
  std::string temporary = cache::temporary_for(dir.file(key("k"), ".pch"));
  EXPECT_NE(temporary, cache::temporary_for(dir.file(key("k"), ".pch")));  // unique per call
  std::ofstream(temporary) << "built";
  softpatch::Result<std::string> committed =
      cache::commit(temporary, dir.path() + "/missing/k.pch");
  ASSERT_FALSE(committed);
  EXPECT_NE(committed.error().find("missing/k.pch"), std::string::npos) << committed.error();
  EXPECT_FALSE(exists(temporary));
}

TEST_F(FileCache, TrimRemovesTheOldestFirstDownToTheLimit) {
  cache::Directory dir = open();
  entry(dir, key("oldest"), 1000, 400s);
  entry(dir, key("old"), 1000, 300s);
  entry(dir, key("new"), 1000, 200s);
  entry(dir, key("newest"), 1000, 100s);
  std::ofstream(dir.file(key("old"), ".seen"));  // a marker: not part of the entry

  softpatch::Result<cache::Trimmed> trimmed = dir.trim(cache::Limits{2100});
  ASSERT_TRUE(trimmed) << trimmed.error();
  EXPECT_EQ(trimmed->removed, 2u);
  EXPECT_EQ(trimmed->freed_bytes, 2020u);
  EXPECT_EQ(trimmed->kept, 2u);
  EXPECT_EQ(trimmed->kept_bytes, 2020u);
  for (const std::string& gone : {key("oldest"), key("old")}) {
    EXPECT_FALSE(exists(dir.file(gone, ".pch"))) << gone;
    EXPECT_FALSE(exists(dir.file(gone, ".h"))) << gone;
  }
  EXPECT_TRUE(exists(dir.file(key("old"), ".seen")));
  for (const std::string& kept : {key("new"), key("newest")}) {
    EXPECT_TRUE(exists(dir.file(kept, ".pch"))) << kept;
    EXPECT_TRUE(exists(dir.file(kept, ".h"))) << kept;
  }

  // Used now: the newest, so the other one goes when only one may stay.
  EXPECT_TRUE(cache::mark_used(dir.file(key("new"), ".pch")));
  softpatch::Result<cache::Trimmed> one = dir.trim(cache::Limits{cache::kUnlimited, 1});
  ASSERT_TRUE(one) << one.error();
  EXPECT_EQ(one->removed, 1u);
  EXPECT_TRUE(exists(dir.file(key("new"), ".pch")));
  EXPECT_FALSE(exists(dir.file(key("newest"), ".pch")));
  EXPECT_FALSE(cache::mark_used(dir.file(key("newest"), ".pch")));  // gone: not recreated
  EXPECT_FALSE(exists(dir.file(key("newest"), ".pch")));
}

TEST_F(FileCache, TrimNeverRemovesAnEntryInUse) {
  cache::Directory dir = open();
  entry(dir, key("oldest"), 1000, 300s);
  entry(dir, key("old"), 1000, 200s);
  entry(dir, key("newest"), 1000, 100s);
  softpatch::Result<cache::Lock> building = dir.lock(key("oldest"));
  ASSERT_TRUE(building) << building.error();
  write(dir.file(key("oldest"), ".pch") + cache::temporary_suffix(), 10,
        1000s);  // its build's output

  softpatch::Result<cache::Trimmed> trimmed = dir.trim(cache::Limits{cache::kUnlimited, 1});
  ASSERT_TRUE(trimmed) << trimmed.error();
  EXPECT_EQ(trimmed->removed, 2u);
  EXPECT_EQ(trimmed->kept, 1u);
  EXPECT_TRUE(exists(dir.file(key("oldest"), ".pch")));
  EXPECT_TRUE(exists(dir.file(key("oldest"), ".h")));
  EXPECT_FALSE(exists(dir.file(key("old"), ".pch")));
  EXPECT_FALSE(exists(dir.file(key("newest"), ".pch")));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()),
            4);  // oldest's two files, its lock and its temporary

  softpatch::Result<cache::Trimmed> cleared = dir.clear();
  ASSERT_TRUE(cleared) << cleared.error();
  EXPECT_EQ(cleared->removed, 0u);
  EXPECT_TRUE(exists(dir.file(key("oldest"), ".pch")));
}

TEST_F(FileCache, TrimRemovesWhatDeadProcessesLeft) {
  cache::Directory dir = open();
  entry(dir, key("kept"), 1000, 10s);
  write(dir.file(key("dead"), ".lock"), 0, 1000s);                               // stale
  write(dir.file(key("dead"), ".pch") + cache::temporary_suffix(), 500, 1000s);  // its output
  write(dir.file(key("failed"), ".h"), 10, 1000s);  // without its entry
  std::string young = dir.file(key("writing"), ".h") + cache::temporary_suffix();
  write(young, 10, 0s);
  write(dir.file(key("a"), ".seen"), 0, 8 * 24h);  // expired
  write(dir.file(key("b"), ".seen"), 0, 6 * 24h);
  write(dir.file(key("c"), ".bad"), 0, 100 * 24h);  // not the layout's: left alone

  softpatch::Result<cache::Trimmed> trimmed = dir.trim(cache::Limits{});
  ASSERT_TRUE(trimmed) << trimmed.error();
  EXPECT_EQ(trimmed->removed, 0u);
  EXPECT_EQ(trimmed->freed_bytes, 510u);
  std::vector<std::string> left;
  for (const fs::directory_entry& e : fs::directory_iterator(dir.path()))
    left.push_back(e.path().filename().string());
  std::sort(left.begin(), left.end());
  std::vector<std::string> expected{key("b") + ".seen", key("c") + ".bad", key("kept") + ".h",
                                    key("kept") + ".pch", fs::path(young).filename().string()};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(left, expected);
}

TEST_F(FileCache, OneLockPerEntryAndStaleOnesAreTakenOver) {
  cache::Directory dir = open();
  {
    softpatch::Result<cache::Lock> first = dir.lock(key("k"));
    ASSERT_TRUE(first) << first.error();
    softpatch::Result<cache::Lock> second = dir.lock(key("k"));
    ASSERT_FALSE(second);
    EXPECT_NE(second.error().find("held by another process"), std::string::npos);
    softpatch::Result<cache::Lock> other = dir.lock(key("other"));
    ASSERT_TRUE(other) << other.error();
  }
  EXPECT_FALSE(exists(dir.file(key("k"), ".lock")));  // released

  write(dir.file(key("k"), ".lock"), 0, 1000s);  // left by a process that died
  std::string path;
  {
    softpatch::Result<cache::Lock> taken = dir.lock(key("k"));
    ASSERT_TRUE(taken) << taken.error();
    // Handed to a process that outlives this object: still held after it.
    path = taken->hand_over();
  }
  EXPECT_EQ(path, dir.file(key("k"), ".lock"));
  EXPECT_TRUE(exists(path));
  softpatch::Result<cache::Lock> again = dir.lock(key("k"));
  ASSERT_FALSE(again);
  again.ignore();
}

TEST_F(FileCache, CachesTrimmedTogetherShareOneLimit) {
  cache::Directory one = open("one"), two = open("two");
  entry(one, key("a"), 1000, 400s);
  entry(two, key("b"), 1000, 300s);
  entry(one, key("c"), 1000, 200s);
  entry(two, key("d"), 1000, 100s);
  softpatch::Result<cache::Trimmed> trimmed =
      cache::trim_together({one, two}, cache::Limits{2100, cache::kUnlimited});
  ASSERT_TRUE(trimmed) << trimmed.error();
  EXPECT_EQ(trimmed->removed, 2u);
  EXPECT_FALSE(exists(one.file(key("a"), ".pch")));
  EXPECT_FALSE(exists(two.file(key("b"), ".pch")));
  EXPECT_TRUE(exists(one.file(key("c"), ".pch")));
  EXPECT_TRUE(exists(two.file(key("d"), ".pch")));
}

TEST_F(FileCache, ClearRemovesEverythingButEntriesInUse) {
  cache::Directory dir = open();
  entry(dir, key("a"), 1000, 100s);
  entry(dir, key("b"), 1000, 100s);
  write(dir.file(key("c"), ".bad"), 0, 0s);
  softpatch::Result<std::string> seen = cache::touch(dir.file(key("d"), ".seen"));
  ASSERT_TRUE(seen) << seen.error();
  softpatch::Result<cache::Lock> building = dir.lock(key("b"));
  ASSERT_TRUE(building) << building.error();

  softpatch::Result<cache::Trimmed> cleared = dir.clear();
  ASSERT_TRUE(cleared) << cleared.error();
  EXPECT_EQ(cleared->removed, 1u);
  EXPECT_EQ(cleared->kept, 1u);
  EXPECT_EQ(cleared->freed_bytes, 1010u);
  std::vector<std::string> left;
  for (const fs::directory_entry& e : fs::directory_iterator(dir.path()))
    left.push_back(e.path().filename().string());
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left,
            (std::vector<std::string>{key("b") + ".h", key("b") + ".lock", key("b") + ".pch"}));
}

TEST_F(FileCache, FilesThatAreNoCachesAreNeverTouched) {
  cache::Directory dir = open();
  write(dir.path() + "/notes.txt", 10, 1000s);      // the user's, in a directory they chose
  write(dir.path() + "/report.h", 10, 1000s);       // an "orphan companion" by its suffix
  write(dir.path() + "/build.pch.tmp", 10, 1000s);  // a "temporary" by its suffix
  entry(dir, key("a"), 1000, 100s);
  softpatch::Result<cache::Trimmed> trimmed = dir.trim(cache::Limits{0});
  ASSERT_TRUE(trimmed) << trimmed.error();
  softpatch::Result<cache::Trimmed> cleared = dir.clear();
  ASSERT_TRUE(cleared) << cleared.error();
  for (const char* name : {"notes.txt", "report.h", "build.pch.tmp"})
    EXPECT_TRUE(exists(dir.path() + "/" + name)) << name;
  EXPECT_FALSE(exists(dir.file(key("a"), ".pch")));
}

TEST_F(FileCache, RemoveTakesAnEntrysFilesOnly) {
  cache::Directory dir = open();
  entry(dir, key("k"), 1000, 10s);
  write(dir.file(key("k"), ".seen"), 0, 10s);
  softpatch::Result<std::uint64_t> freed = dir.remove(key("k"));
  ASSERT_TRUE(freed) << freed.error();
  EXPECT_EQ(*freed, 1010u);
  EXPECT_FALSE(exists(dir.file(key("k"), ".pch")));
  EXPECT_FALSE(exists(dir.file(key("k"), ".h")));
  EXPECT_TRUE(exists(dir.file(key("k"), ".seen")));
}

}  // namespace

namespace {

TEST_F(FileCache, SoftpatchsTwoCachesShareOneBoundAndOneClean) {
  ScopedEnv limit("SOFTPATCH_CACHE_LIMIT_MB", "1");
  EXPECT_EQ(cache::total_limit_bytes(), 1u << 20);
  std::string root = (root_ / "softpatch").string();
  softpatch::Result<cache::Directory> rewriter =
      cache::Directory::open(root, cache::rewriter_preamble_layout());
  ASSERT_TRUE(rewriter) << rewriter.error();
  softpatch::Result<cache::Directory> compiler = cache::Directory::open(
      cache::compiler_preamble_directory(root), cache::compiler_preamble_layout());
  ASSERT_TRUE(compiler) << compiler.error();
  // 600 KiB in each: 1.2 MiB together, over the 1 MiB bound.
  write(rewriter->file(key("old"), ".pch"), 600 << 10, 3h);
  write(compiler->file(key("new"), ".h.gch"), 600 << 10, 1h);
  softpatch::Result<cache::Trimmed> trimmed = cache::trim_all(root);
  ASSERT_TRUE(trimmed) << trimmed.error();
  EXPECT_FALSE(exists(rewriter->file(key("old"), ".pch")));  // the older, whichever cache
  EXPECT_TRUE(exists(compiler->file(key("new"), ".h.gch")));

  write(rewriter->file(key("again"), ".pch"), 10, 1h);
  softpatch::Result<cache::Trimmed> cleared = cache::clear_all(root);
  ASSERT_TRUE(cleared) << cleared.error();
  EXPECT_EQ(cleared->removed, 2u);
  EXPECT_FALSE(exists(compiler->file(key("new"), ".h.gch")));
  EXPECT_FALSE(exists(rewriter->file(key("again"), ".pch")));
}

TEST(FileCacheLimit, TheDefaultBoundIsOneGibibyte) {
  ScopedEnv limit("SOFTPATCH_CACHE_LIMIT_MB", nullptr);
  EXPECT_EQ(cache::total_limit_bytes(), 1ull << 30);
}

}  // namespace
