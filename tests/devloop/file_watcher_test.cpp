// The dev loop's watcher on a real directory tree, with real inotify.
#include "softpatch/devloop/file_watcher.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

namespace {

namespace fs = std::filesystem;
using softpatch::driver::FileWatcher;
using softpatch::driver::PathFilter;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAreArray;

class Watching : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/softpatch-watch-XXXXXX";
    root_ = mkdtemp(pattern);
    fs::create_directories(root_ / "src");
    write("src/store.cpp", "int store() { return 1; }\n");
    write("src/store.h", "int store();\n");
  }
  void TearDown() override {
    watcher_.reset();
    fs::remove_all(root_);
  }

  // Starts the watcher and waits for its start-up hashing to end (the
  // hasher thread exits then): the tests' edits come after it, whatever the
  // machine's load.
  void start(std::size_t watch_limit = 0, std::vector<std::string> ignores = {}) {
    FileWatcher::Options options;
    options.roots = {root_.string()};
    options.filter = PathFilter({}, std::move(ignores));
    options.watch_limit = watch_limit;
    options.on_warning = [this](const std::string& text) { warnings_.push_back(text); };
    // A thread started and joined first: a sanitizer's own thread, started
    // with the first thread of the process, counts among those there before.
    std::thread([] {}).join();
    long before = threads();
    watcher_ = std::make_unique<FileWatcher>(options);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (threads() > before && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    // Fewer is fine: the joined thread's task may still have been listed.
    ASSERT_LE(threads(), before) << "the start-up hashing did not end";
  }
  static long threads() {
    return std::distance(fs::directory_iterator("/proc/self/task"), fs::directory_iterator{});
  }

  void write(const std::string& relative, const std::string& text) {
    std::ofstream(root_ / relative) << text;
  }
  std::string path(const std::string& relative) const { return (root_ / relative).string(); }

  // What changed, once events have settled (as the dev loop's debounce
  // waits for them), or after `wait` when a test expects nothing. The edits
  // are made before this is called, so their events are queued already and
  // the first look finds them (or a polled directory's change), however
  // late it comes: the loop runs at least once.
  std::vector<std::string> changes(
      std::chrono::milliseconds wait = std::chrono::milliseconds(300)) {
    std::vector<std::string> candidates;
    auto until = std::chrono::steady_clock::now() + wait;
    do {
      pollfd fd{watcher_->fd(), POLLIN, 0};
      int interval = watcher_->poll_interval_ms();
      poll(&fd, 1, interval < 0 ? 50 : std::min(interval, 50));
      for (std::string& c : watcher_->take_candidates()) candidates.push_back(std::move(c));
    } while (std::chrono::steady_clock::now() < until);
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    return watcher_->changed(candidates);
  }

  fs::path root_;
  std::unique_ptr<FileWatcher> watcher_;
  std::vector<std::string> warnings_;
};

TEST_F(Watching, AnInPlaceSaveIsAChange) {
  start();
  write("src/store.cpp", "int store() { return 2; }\n");
  EXPECT_THAT(changes(), ElementsAre(path("src/store.cpp")));
}

TEST_F(Watching, UnchangedContentIsNoChange) {
  start();  // waits for the start-up hashing
  ASSERT_EQ(utimensat(AT_FDCWD, path("src/store.cpp").c_str(), nullptr, 0), 0);  // touch
  write("src/store.h", "int store();\n");                                        // a no-op save
  EXPECT_THAT(changes(), IsEmpty());
}

TEST_F(Watching, WriteTempThenRenameIsOneChangeOfTheFile) {
  start();
  write("src/.store.cpp.XXXX1", "int store() { return 3; }\n");
  fs::rename(root_ / "src/.store.cpp.XXXX1", root_ / "src/store.cpp");
  EXPECT_THAT(changes(), ElementsAre(path("src/store.cpp")));
}

TEST_F(Watching, VimsBackupDanceIsOneChangeOfTheFile) {
  start();
  write("src/4913", "");  // vim checks it may create files here
  fs::remove(root_ / "src/4913");
  fs::rename(root_ / "src/store.cpp", root_ / "src/store.cpp~");
  write("src/store.cpp", "int store() { return 4; }\n");
  fs::remove(root_ / "src/store.cpp~");
  EXPECT_THAT(changes(), ElementsAre(path("src/store.cpp")));
}

TEST_F(Watching, AWriteNotYetClosedIsNotAChange) {
  start();
  std::ofstream partial(root_ / "src/store.cpp", std::ios::app);
  partial << "// half" << std::flush;  // MODIFY only
  EXPECT_THAT(changes(), IsEmpty());
  partial.close();
  EXPECT_THAT(changes(), ElementsAre(path("src/store.cpp")));
}

TEST_F(Watching, CreatedAndDeletedFilesAndNewDirectories) {
  start();
  fs::create_directories(root_ / "src/new/deeper");
  write("src/new/deeper/fresh.cpp", "int fresh();\n");
  fs::remove(root_ / "src/store.h");
  EXPECT_THAT(changes(),
              UnorderedElementsAreArray({path("src/new/deeper/fresh.cpp"), path("src/store.h")}));
  write("src/new/deeper/fresh.cpp", "int fresh() { return 1; }\n");  // watched now
  EXPECT_THAT(changes(), ElementsAre(path("src/new/deeper/fresh.cpp")));
}

TEST_F(Watching, ADirectoryMovedInCountsWithEverythingInIt) {
  char pattern[] = "/tmp/softpatch-outside-XXXXXX";
  fs::path outside = mkdtemp(pattern);
  std::ofstream(outside / "a.cpp") << "int a;\n";
  start();
  fs::rename(outside, root_ / "moved");
  EXPECT_THAT(changes(), ElementsAre(path("moved/a.cpp")));
}

TEST_F(Watching, IgnoredAndBuildDirectoriesUseNoWatches) {
  fs::create_directories(root_ / "build/CMakeFiles");
  write("build/CMakeCache.txt", "");
  fs::create_directories(root_ / "node_modules/x");
  fs::create_directories(root_ / ".git/objects");
  fs::create_directories(root_ / "third_party/lib");
  start(0, {"third_party"});
  EXPECT_EQ(watcher_->watched_directories(), 2u);  // the root and src
  write("build/CMakeFiles/x.cpp", "int x;\n");
  write("third_party/lib/y.cpp", "int y;\n");
  write("src/.store.cpp.swp", "swap");
  EXPECT_THAT(changes(), IsEmpty());
}

TEST_F(Watching, BeyondTheWatchLimitDirectoriesArePolled) {
  fs::create_directories(root_ / "lib/a");
  write("lib/a/x.cpp", "int x;\n");
  start(/*watch_limit=*/2);
  EXPECT_EQ(watcher_->watched_directories(), 2u);
  EXPECT_GE(watcher_->polled_directories(), 2u);
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_THAT(warnings_.front(), ::testing::HasSubstr("sudo sysctl fs.inotify.max_user_watches="));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a new mtime
  write("lib/a/x.cpp", "int x = 1;\n");
  EXPECT_THAT(changes(std::chrono::milliseconds(1200)), ElementsAre(path("lib/a/x.cpp")));
  fs::create_directories(root_ / "lib/b");  // found by polling, then polled too
  write("lib/b/y.cpp", "int y;\n");
  EXPECT_THAT(changes(std::chrono::milliseconds(1200)), ElementsAre(path("lib/b/y.cpp")));
}

TEST_F(Watching, FiveHundredFilesAtOnce) {
  start();
  for (int i = 0; i < 500; ++i) write("src/f" + std::to_string(i) + ".cpp", "int f;\n");
  EXPECT_EQ(changes().size(), 500u);
}

}  // namespace
