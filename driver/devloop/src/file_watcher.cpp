#include "softpatch/devloop/file_watcher.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>

namespace softpatch::driver {
namespace {

constexpr std::uint32_t kMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE |
                                IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF | IN_EXCL_UNLINK |
                                IN_ONLYDIR;
constexpr int kPollMilliseconds = 500;

std::string join(const std::string& dir, const std::string& name) {
  return dir.empty() ? name : dir + "/" + name;
}

// FNV-1a over the file's bytes; 0 when it cannot be read. `after` (if
// given) gets the file's status once read, to tell whether it changed
// during the read.
std::uint64_t content_hash(const std::string& path, struct stat* after = nullptr) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return 0;
  std::uint64_t hash = 1469598103934665603ull;
  char buffer[1 << 16];
  for (ssize_t n; (n = read(fd, buffer, sizeof buffer)) > 0;)
    for (ssize_t i = 0; i < n; ++i)
      hash = (hash ^ static_cast<unsigned char>(buffer[i])) * 1099511628211ull;
  if (after && fstat(fd, after) != 0) *after = {};
  close(fd);
  return hash;
}

bool same_stat(const struct stat& info, std::uint64_t size, std::uint64_t mtime_ns,
               std::uint64_t inode) {
  return static_cast<std::uint64_t>(info.st_size) == size &&
         static_cast<std::uint64_t>(info.st_mtim.tv_sec) * 1000000000ull + info.st_mtim.tv_nsec ==
             mtime_ns &&
         info.st_ino == inode;
}

// A build tree (CMake's, Ninja's, Make's): never watched.
bool is_build_directory(const std::string& path) {
  for (const char* marker : {"CMakeCache.txt", "compile_commands.json", "build.ninja"})
    if (access((path + "/" + marker).c_str(), F_OK) == 0) return true;
  return false;
}

std::size_t system_watch_limit() {
  std::ifstream in("/proc/sys/fs/inotify/max_user_watches");
  std::size_t limit = 0;
  in >> limit;
  return limit ? limit : 8192;
}

}  // namespace

FileWatcher::FileWatcher(Options options) : options_(std::move(options)) {
  inotify_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  limit_ = options_.watch_limit ? options_.watch_limit : system_watch_limit();
  if (inotify_ < 0) warn_once_about_limit(std::string("inotify: ") + std::strerror(errno));
  for (std::size_t root = 0; root < options_.roots.size(); ++root) add_directory(root, "", true);
  hasher_ = std::thread([this] { hash_in_background(); });
}

FileWatcher::~FileWatcher() {
  stop_ = true;
  if (hasher_.joinable()) hasher_.join();
  if (inotify_ >= 0) close(inotify_);
}

std::size_t FileWatcher::files() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::size_t count = 0;
  for (const auto& [path, dir] : directories_) count += dir.files.size();
  return count;
}

int FileWatcher::poll_interval_ms() const { return polled_.empty() ? -1 : kPollMilliseconds; }

bool FileWatcher::wanted(const Directory& dir, const std::string& name, bool is_directory) const {
  std::string relative = join(dir.relative, name);
  return is_directory ? !options_.filter.ignored_entry(relative, true)
                      : options_.filter.wanted_entry(relative);
}

bool FileWatcher::may_watch() { return inotify_ >= 0 && watches_.size() < limit_; }

void FileWatcher::warn_once_about_limit(const std::string& why) {
  if (warned_ || !options_.on_warning) return;
  warned_ = true;
  options_.on_warning(why +
                      "; polling the directories beyond it (to raise the limit: sudo sysctl "
                      "fs.inotify.max_user_watches=" +
                      std::to_string(std::max<std::size_t>(limit_ * 4, 524288)) + ")");
}

void FileWatcher::add_directory(std::size_t root, const std::string& relative, bool initial) {
  std::string path =
      relative.empty() ? options_.roots[root] : options_.roots[root] + "/" + relative;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (directories_.count(path)) return;
  }
  if (!relative.empty() &&
      (options_.filter.ignored_entry(relative, true) || is_build_directory(path)))
    return;
  options_.filter.load_gitignore(options_.roots[root], relative);
  // The watch first: a file created while the directory is scanned is
  // either found by the scan or reported by an event.
  bool watched = false;
  if (may_watch()) {
    int wd = inotify_add_watch(inotify_, path.c_str(), kMask);
    if (wd >= 0) {
      watches_[wd] = path;
      watched = true;
    } else if (errno == ENOSPC) {
      limit_ = watches_.size();
      warn_once_about_limit("the inotify watch limit (fs.inotify.max_user_watches) is reached");
    } else {
      return;  // gone already, or not readable
    }
  } else if (inotify_ >= 0) {
    warn_once_about_limit("more directories than the inotify watch limit (" +
                          std::to_string(limit_) + ")");
  }
  if (!watched) polled_.insert(path);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    directories_[path] = Directory{root, relative, {}, {}};
  }
  DIR* listing = opendir(path.c_str());
  if (!listing) return;
  std::vector<std::string> subdirectories;
  while (dirent* entry = readdir(listing)) {
    std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    bool is_directory = entry->d_type == DT_DIR;
    if (entry->d_type == DT_UNKNOWN) {
      struct stat info {};
      is_directory = lstat((path + "/" + name).c_str(), &info) == 0 && S_ISDIR(info.st_mode);
    }
    if (is_directory) {
      subdirectories.push_back(name);
      continue;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    Directory& dir = directories_[path];
    if (!wanted(dir, name, false)) continue;
    struct stat info {};
    if (fstatat(dirfd(listing), name.c_str(), &info, 0) != 0 || !S_ISREG(info.st_mode)) continue;
    FileState& state = dir.files[name];
    state.size = info.st_size;
    state.mtime_ns = info.st_mtim.tv_sec * 1000000000ull + info.st_mtim.tv_nsec;
    state.inode = info.st_ino;
    if (initial) {
      to_hash_.push_back(path + '\0' + name);
    } else {
      dir.files.erase(name);  // found in a new directory: counts as changed
      candidates_.insert(path + "/" + name);
    }
  }
  closedir(listing);
  for (const std::string& name : subdirectories) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      directories_[path].subdirectories.insert(name);
    }
    add_directory(root, join(relative, name), initial);
  }
}

void FileWatcher::hash_in_background() {
  for (std::size_t i = 0; i < to_hash_.size() && !stop_; ++i) {
    const std::string& entry = to_hash_[i];
    std::size_t zero = entry.find('\0');
    std::string dir = entry.substr(0, zero), name = entry.substr(zero + 1);
    std::string path = dir + "/" + name;
    struct stat before {
    }, after{};
    if (stat(path.c_str(), &before) != 0) continue;
    std::uint64_t hash = content_hash(path, &after);
    // Saved while being read: its next event compares by stat instead.
    if (!same_stat(after, before.st_size,
                   before.st_mtim.tv_sec * 1000000000ull + before.st_mtim.tv_nsec, before.st_ino))
      continue;
    std::lock_guard<std::mutex> lock(mutex_);
    auto d = directories_.find(dir);
    if (d == directories_.end()) continue;
    auto f = d->second.files.find(name);
    // Recorded only if the file is still what the scan saw; otherwise its
    // next event compares by stat.
    if (f == d->second.files.end() || f->second.hashed ||
        !same_stat(before, f->second.size, f->second.mtime_ns, f->second.inode))
      continue;
    f->second.hash = hash;
    f->second.hashed = true;
  }
}

bool FileWatcher::check_file(const std::string& dir_path, const std::string& name) {
  std::string path = dir_path + "/" + name;
  struct stat info {};
  bool exists = stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
  std::uint64_t hash = exists ? content_hash(path) : 0;
  std::lock_guard<std::mutex> lock(mutex_);
  auto d = directories_.find(dir_path);
  if (d == directories_.end()) return false;
  auto& files = d->second.files;
  auto f = files.find(name);
  if (!exists) {
    if (f == files.end()) return false;
    files.erase(f);
    return true;
  }
  if (!wanted(d->second, name, false)) return false;
  bool known = f != files.end();
  FileState& state = files[name];
  bool changed =
      !known || (state.hashed ? state.hash != hash
                              : !same_stat(info, state.size, state.mtime_ns, state.inode));
  state.size = info.st_size;
  state.mtime_ns = info.st_mtim.tv_sec * 1000000000ull + info.st_mtim.tv_nsec;
  state.inode = info.st_ino;
  state.hash = hash;
  state.hashed = true;
  return changed;
}

void FileWatcher::forget_directory(const std::string& path) {
  std::vector<std::string> below;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto d = directories_.find(path);
    if (d == directories_.end()) return;
    for (const auto& [name, state] : d->second.files) {
      candidates_.insert(path + "/" + name);
      removed_.insert(path + "/" + name);
    }
    for (const std::string& name : d->second.subdirectories) below.push_back(path + "/" + name);
    directories_.erase(d);
    // Its parent must see it as new if it comes back (polling, rescans).
    auto parent = directories_.find(path.substr(0, path.rfind('/')));
    if (parent != directories_.end())
      parent->second.subdirectories.erase(path.substr(path.rfind('/') + 1));
  }
  polled_.erase(path);
  for (auto it = watches_.begin(); it != watches_.end();) {
    if (it->second == path) {
      inotify_rm_watch(inotify_, it->first);
      it = watches_.erase(it);
    } else {
      ++it;
    }
  }
  for (const std::string& sub : below) forget_directory(sub);
}

void FileWatcher::note_event(Directory& dir, const std::string& name, std::uint32_t mask) {
  std::string dir_path = dir.relative.empty() ? options_.roots[dir.root]
                                              : options_.roots[dir.root] + "/" + dir.relative;
  if (mask & IN_ISDIR) {
    if (mask & (IN_CREATE | IN_MOVED_TO)) {
      std::size_t root = dir.root;
      std::string relative = join(dir.relative, name);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        dir.subdirectories.insert(name);
      }
      add_directory(root, relative, false);
    } else if (mask & (IN_DELETE | IN_MOVED_FROM)) {
      forget_directory(dir_path + "/" + name);
    }
    return;
  }
  candidates_.insert(dir_path + "/" + name);
}

void FileWatcher::read_events() {
  alignas(inotify_event) char buffer[64 * 1024];
  for (;;) {
    ssize_t n = read(inotify_, buffer, sizeof buffer);
    if (n <= 0) return;
    for (ssize_t at = 0; at < n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
      at += sizeof(inotify_event) + event->len;
      if (event->mask & IN_Q_OVERFLOW) {
        if (options_.on_warning)
          options_.on_warning(
              "the inotify event queue overflowed; rescanning everything (to make it longer: "
              "sudo sysctl fs.inotify.max_queued_events=65536)");
        std::vector<std::string> all;
        for (const auto& [path, dir] : directories_) all.push_back(path);
        for (const std::string& path : all) {
          auto d = directories_.find(path);
          if (d != directories_.end()) rescan(d->second);
        }
        continue;
      }
      auto watch = watches_.find(event->wd);
      if (watch == watches_.end()) continue;
      std::string name = event->len ? event->name : "";
      if (options_.on_event)
        options_.on_event("event " + std::to_string(event->mask) + " " + watch->second +
                          (name.empty() ? "" : "/" + name));
      if (event->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
        if (!(event->mask & IN_IGNORED)) forget_directory(watch->second);
        continue;
      }
      auto d = directories_.find(watch->second);
      if (d != directories_.end() && !name.empty()) note_event(d->second, name, event->mask);
    }
  }
}

// Compares a directory with what is known of it (polling, and after an
// overflow): new, changed and deleted files, new subdirectories.
void FileWatcher::rescan(Directory& dir) {
  std::string path = dir.relative.empty() ? options_.roots[dir.root]
                                          : options_.roots[dir.root] + "/" + dir.relative;
  DIR* listing = opendir(path.c_str());
  if (!listing) {
    forget_directory(path);
    return;
  }
  std::set<std::string> present;
  std::vector<std::string> new_directories;
  while (dirent* entry = readdir(listing)) {
    std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    struct stat info {};
    if (lstat((path + "/" + name).c_str(), &info) != 0) continue;
    if (S_ISDIR(info.st_mode)) {
      if (!dir.subdirectories.count(name)) new_directories.push_back(name);
      continue;
    }
    present.insert(name);
    auto f = dir.files.find(name);
    if (f == dir.files.end() ||
        !same_stat(info, f->second.size, f->second.mtime_ns, f->second.inode))
      candidates_.insert(path + "/" + name);
  }
  closedir(listing);
  for (const auto& [name, state] : dir.files)
    if (!present.count(name)) candidates_.insert(path + "/" + name);
  std::size_t root = dir.root;
  std::string relative = dir.relative;
  for (const std::string& name : new_directories) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      dir.subdirectories.insert(name);
    }
    add_directory(root, join(relative, name), false);
  }
}

std::vector<std::string> FileWatcher::take_candidates() {
  if (inotify_ >= 0) read_events();
  std::vector<std::string> polled(polled_.begin(), polled_.end());
  for (const std::string& path : polled) {
    auto d = directories_.find(path);
    if (d != directories_.end()) rescan(d->second);
  }
  std::vector<std::string> out(candidates_.begin(), candidates_.end());
  candidates_.clear();
  return out;
}

std::vector<std::string> FileWatcher::changed(const std::vector<std::string>& candidates) {
  std::vector<std::string> out;
  for (const std::string& path : candidates) {
    std::size_t slash = path.rfind('/');
    bool removed_with_its_directory = removed_.erase(path) == 1;
    if (check_file(path.substr(0, slash), path.substr(slash + 1)) || removed_with_its_directory)
      out.push_back(path);
  }
  return out;
}

}  // namespace softpatch::driver
