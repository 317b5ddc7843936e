// Watches source trees for files whose content changed: inotify on every
// directory (never on single files), a new directory watched before it is
// scanned (what is already in it counts as changed), polling (size, mtime,
// inode) for directories beyond the inotify watch limit, a full rescan after
// the event queue overflows. A file counts as changed only when its content
// did: `touch` or a no-op save gives nothing. Events that only modify a file
// (partial writes) are not looked at; a write is seen when the file is
// closed, created, moved into place or deleted, so in-place saves,
// write-temp-then-rename and vim's backup dance all count.
//
// Single-threaded use: poll fd() for input and call take_candidates() when
// it is readable, or after poll_interval_ms() when something is polled. One
// background thread records the content of the files found at start; it is
// stopped and joined by the destructor.
#ifndef SOFTPATCH_DEVLOOP_FILE_WATCHER_H
#define SOFTPATCH_DEVLOOP_FILE_WATCHER_H

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "softpatch/devloop/path_filter.h"

namespace softpatch::driver {

class FileWatcher {
 public:
  struct Options {
    std::vector<std::string> roots;  // directories, absolute
    PathFilter filter{{}, {}};       // paths relative to each root
    // At most this many inotify watches (0: as many as the system allows);
    // for tests of the polling fallback.
    std::size_t watch_limit = 0;
    // Told of each raw event and of the warnings below (-v, and warnings).
    std::function<void(const std::string&)> on_event;
    std::function<void(const std::string&)> on_warning;
  };

  explicit FileWatcher(Options options);
  ~FileWatcher();
  FileWatcher(const FileWatcher&) = delete;
  FileWatcher& operator=(const FileWatcher&) = delete;

  int fd() const { return inotify_; }
  // Milliseconds between polls of unwatched directories; -1 when none.
  int poll_interval_ms() const;
  // Files (absolute paths) that events or polling say may have changed
  // since the last call. Give them to changed() once the burst is over:
  // an editor's temporary file is gone by then.
  std::vector<std::string> take_candidates();
  // Those of `candidates` whose content differs from when last looked at,
  // created and deleted ones included; records what they hold now.
  std::vector<std::string> changed(const std::vector<std::string>& candidates);

  std::size_t watched_directories() const { return watches_.size(); }
  std::size_t polled_directories() const { return polled_.size(); }
  std::size_t files() const;

 private:
  struct FileState {
    std::uint64_t size = 0, mtime_ns = 0, inode = 0;
    std::uint64_t hash = 0;
    bool hashed = false;
  };
  struct Directory {
    std::size_t root;
    std::string relative;
    std::map<std::string, FileState> files;  // by name
    std::set<std::string> subdirectories;
  };

  void add_directory(std::size_t root, const std::string& relative, bool initial);
  void read_events();
  void note_event(Directory& dir, const std::string& name, std::uint32_t mask);
  void rescan(Directory& dir);
  void forget_directory(const std::string& path);
  bool check_file(const std::string& dir_path, const std::string& name);
  bool wanted(const Directory& dir, const std::string& name, bool is_directory) const;
  bool may_watch();
  void warn_once_about_limit(const std::string& why);
  void hash_in_background();

  Options options_;
  int inotify_ = -1;
  std::size_t limit_ = 0;
  bool warned_ = false;
  std::unordered_map<int, std::string> watches_;  // wd -> directory path
  std::set<std::string> polled_;
  // Directory path -> what is known of it. The hasher thread reads it
  // under mutex_ (the main thread changes it only under mutex_ too).
  std::map<std::string, Directory> directories_;
  mutable std::mutex mutex_;
  std::set<std::string> candidates_;  // files to look at
  std::set<std::string> removed_;     // files whose directory went: changed for sure
  std::vector<std::string> to_hash_;  // "dir\0name" entries found at start
  std::atomic<bool> stop_{false};
  std::thread hasher_;
};

}  // namespace softpatch::driver

#endif  // SOFTPATCH_DEVLOOP_FILE_WATCHER_H
