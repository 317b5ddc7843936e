#include "softpatch/cache/file_cache.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>

namespace softpatch::cache {
namespace {

// SHA-256 (FIPS 180-4) of `data`, as lowercase hex.
std::string sha256_hex(std::string_view data) {
  static constexpr std::uint32_t k[64] = {
      0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
      0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
      0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
      0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
      0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
      0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
      0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
      0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
      0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
      0xc67178f2};
  std::uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  auto rotr = [](std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); };

  // The message, a 1 bit, zeros, and its length in bits: whole 64-byte blocks.
  std::string padded(data);
  padded += '\x80';
  while (padded.size() % 64 != 56) padded += '\0';
  std::uint64_t bits = static_cast<std::uint64_t>(data.size()) * 8;
  for (int i = 7; i >= 0; --i) padded += static_cast<char>((bits >> (8 * i)) & 0xff);

  for (std::size_t block = 0; block < padded.size(); block += 64) {
    std::uint32_t w[64];
    for (int i = 0; i < 16; ++i) {
      const unsigned char* p = reinterpret_cast<const unsigned char*>(&padded[block + 4 * i]);
      w[i] = (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) |
             (std::uint32_t(p[2]) << 8) | std::uint32_t(p[3]);
    }
    for (int i = 16; i < 64; ++i) {
      std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; ++i) {
      std::uint32_t t1 =
          hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[i] + w[i];
      std::uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      hh = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
  }

  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (std::uint32_t word : h)
    for (int shift = 28; shift >= 0; shift -= 4) out += digits[(word >> shift) & 15];
  return out;
}

Error failure(const char* function, const std::string& path, const std::string& cause) {
  return Error{std::string("softpatch::cache::") + function + ": " + path + ": " + cause};
}

Error os_failure(const char* function, const std::string& path) {
  return failure(function, path, std::strerror(errno));
}

std::int64_t nanoseconds(const struct timespec& t) {
  return std::int64_t(t.tv_sec) * 1000000000 + t.tv_nsec;
}

std::int64_t now() {
  struct timespec t {};
  ::clock_gettime(CLOCK_REALTIME, &t);
  return nanoseconds(t);
}

std::int64_t nanoseconds(std::chrono::seconds s) { return std::int64_t(s.count()) * 1000000000; }

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

bool contains(const std::vector<std::string>& suffixes, std::string_view suffix) {
  return std::find(suffixes.begin(), suffixes.end(), suffix) != suffixes.end();
}

// One file of a cache directory.
struct File {
  std::string path;
  std::uint64_t size = 0;
  std::int64_t modified = 0;  // ns since the epoch
};

// The files of one key, by what they are to the layout.
struct Files {
  std::vector<File> main, companions, temporaries, markers, others, locks;
  std::vector<std::chrono::seconds> marker_lifetimes;  // of each of `markers`

  std::uint64_t entry_bytes() const {
    std::uint64_t bytes = 0;
    for (const std::vector<File>* group : {&main, &companions})
      for (const File& f : *group) bytes += f.size;
    return bytes;
  }
  std::int64_t used() const {
    std::int64_t newest = 0;
    for (const File& f : main) newest = std::max(newest, f.modified);
    return newest;
  }
};

// The regular files of `directory`, grouped by key: a file's key is its
// name up to the first '.'.
// A name a cache made: lowercase hex of a Key (64 digits), or of the SHA-1
// keys of earlier versions (40), so that those are trimmed too. Anything
// else in the directory is not the cache's, and is never touched.
bool is_key(std::string_view name) {
  if (name.size() != 64 && name.size() != 40) return false;
  for (char c : name)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

Result<std::map<std::string, Files>> scan(const Directory& directory) {
  DIR* dir = ::opendir(directory.path().c_str());
  if (!dir) return os_failure("scan", directory.path());
  const Layout& layout = directory.layout();
  std::map<std::string, Files> keys;
  while (struct dirent* entry = ::readdir(dir)) {
    std::string_view name = entry->d_name;
    File file{directory.path() + "/" + std::string(name)};
    struct stat info {};
    if (::lstat(file.path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) continue;
    file.size = static_cast<std::uint64_t>(info.st_size);
    file.modified = nanoseconds(info.st_mtim);
    std::size_t dot = std::min(name.find('.'), name.size());
    if (!is_key(name.substr(0, dot))) continue;
    std::string_view suffix = name.substr(dot);
    Files& files = keys[std::string(name.substr(0, dot))];
    if (suffix == layout.lock) {
      files.locks.push_back(std::move(file));
    } else if (ends_with(suffix, ".tmp")) {
      files.temporaries.push_back(std::move(file));
    } else if (contains(layout.main, suffix)) {
      files.main.push_back(std::move(file));
    } else if (contains(layout.companions, suffix)) {
      files.companions.push_back(std::move(file));
    } else {
      auto marker = std::find_if(layout.markers.begin(), layout.markers.end(),
                                 [&](const Layout::Marker& m) { return m.suffix == suffix; });
      if (marker == layout.markers.end()) {
        files.others.push_back(std::move(file));
      } else {
        files.markers.push_back(std::move(file));
        files.marker_lifetimes.push_back(marker->lifetime);
      }
    }
  }
  ::closedir(dir);
  return keys;
}

bool fresh_lock(const Files& files, const Layout& layout, std::int64_t at) {
  for (const File& lock : files.locks)
    if (at - lock.modified < nanoseconds(layout.lock_stale_after)) return true;
  return false;
}

// Removes files, counting what they freed; the first failure is kept (a file
// already gone is no failure: another process trimmed too).
class Remover {
 public:
  void remove(const File& file) {
    if (::unlink(file.path.c_str()) == 0) {
      freed_ += file.size;
    } else if (errno != ENOENT && !failure_) {
      failure_ = os_failure("trim", file.path);
    }
  }
  void remove(const std::vector<File>& files) {
    for (const File& f : files) remove(f);
  }
  // A stale lock, unless it was taken over since it was seen.
  void remove_stale_lock(const File& lock, const Layout& layout, std::int64_t at) {
    struct stat info {};
    if (::stat(lock.path.c_str(), &info) == 0 &&
        at - nanoseconds(info.st_mtim) >= nanoseconds(layout.lock_stale_after))
      remove(lock);
  }

  std::uint64_t freed() const { return freed_; }
  Result<Trimmed> result(Trimmed trimmed) {
    trimmed.freed_bytes = freed_;
    if (failure_) return std::move(*failure_);
    return trimmed;
  }

 private:
  std::uint64_t freed_ = 0;
  std::optional<Error> failure_;
};

}  // namespace

std::string default_directory() {
  if (const char* dir = std::getenv("SOFTPATCH_CACHE_DIR"))
    return std::string_view(dir) == "off" ? "" : dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return std::string(xdg) + "/softpatch";
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::string(home) + "/.cache/softpatch";
  return "";
}

Key::Key(std::string_view scheme) { add(scheme); }

Key& Key::add(std::string_view part) {
  std::uint64_t size = part.size();
  for (int i = 0; i < 8; ++i) framed_ += static_cast<char>((size >> (8 * i)) & 0xff);
  framed_.append(part.data(), part.size());
  return *this;
}

Key& Key::add(const std::vector<std::string>& parts) {
  add(std::to_string(parts.size()));
  for (const std::string& part : parts) add(part);
  return *this;
}

std::string Key::name() const { return sha256_hex(framed_); }

Lock::Lock(Lock&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }

Lock::~Lock() {
  if (!path_.empty()) ::unlink(path_.c_str());
}

std::string Lock::hand_over() {
  std::string path = std::move(path_);
  path_.clear();
  return path;
}

Result<Directory> Directory::open(std::string path, Layout layout) {
  if (path.empty())
    return failure("Directory::open", "\"\"", "no cache directory (SOFTPATCH_CACHE_DIR=off?)");
  // Each missing directory on the way is made private too.
  for (std::size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    std::string prefix = path.substr(0, slash);
    if (::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST)
      return os_failure("Directory::open", prefix);
    if (slash == std::string::npos) break;
  }
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) return os_failure("Directory::open", path);
  if (!S_ISDIR(info.st_mode)) return failure("Directory::open", path, "not a directory");
  if (info.st_uid != ::geteuid())
    return failure("Directory::open", path, "owned by another user, not used");
  if (info.st_mode & (S_IWGRP | S_IWOTH))
    return failure("Directory::open", path, "writable by others, not used");
  return Directory(std::move(path), std::move(layout));
}

std::string Directory::file(std::string_view key, std::string_view suffix) const {
  std::string out = path_;
  out += '/';
  out += key;
  out += suffix;
  return out;
}

Result<Lock> Directory::lock(std::string_view key) const {
  std::string path = file(key, layout_.lock);
  for (int attempt = 0; attempt < 3; ++attempt) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
      ::close(fd);
      return Lock(path);
    }
    if (errno != EEXIST) return os_failure("Directory::lock", path);
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) continue;  // released meanwhile
    std::int64_t age = now() - nanoseconds(info.st_mtim);
    if (age < nanoseconds(layout_.lock_stale_after))
      return failure("Directory::lock", path,
                     "held by another process (for " + std::to_string(age / 1000000000) + " s)");
    ::unlink(path.c_str());  // left by a process that died
  }
  return failure("Directory::lock", path, "taken by another process");
}

Result<std::uint64_t> Directory::remove(std::string_view key) const {
  std::uint64_t freed = 0;
  for (const std::vector<std::string>* suffixes : {&layout_.main, &layout_.companions}) {
    for (const std::string& suffix : *suffixes) {
      std::string path = file(key, suffix);
      struct stat info {};
      if (::lstat(path.c_str(), &info) != 0) continue;
      if (::unlink(path.c_str()) != 0 && errno != ENOENT)
        return os_failure("Directory::remove", path);
      freed += static_cast<std::uint64_t>(info.st_size);
    }
  }
  return freed;
}

Result<Trimmed> Directory::trim(const Limits& limits) const {
  return trim_together({*this}, limits);
}

Result<Trimmed> trim_together(const std::vector<Directory>& caches, const Limits& limits) {
  struct Candidate {
    std::int64_t used;
    std::uint64_t bytes;
    bool in_use;
    std::vector<File> files;
  };
  std::vector<Candidate> entries;
  Remover remover;
  std::int64_t at = now();
  for (const Directory& cache : caches) {
    Result<std::map<std::string, Files>> keys = scan(cache);
    if (!keys) return keys.take_error();
    const Layout& layout = cache.layout();
    for (auto& [key, files] : *keys) {
      bool in_use = fresh_lock(files, layout, at);
      for (std::size_t i = 0; i < files.markers.size(); ++i)
        if (at - files.markers[i].modified > nanoseconds(files.marker_lifetimes[i]))
          remover.remove(files.markers[i]);
      if (!in_use) {
        // Left by processes that died, or by builds that failed.
        for (const File& lock : files.locks) remover.remove_stale_lock(lock, layout, at);
        auto old = [&](const File& f) {
          return at - f.modified >= nanoseconds(layout.lock_stale_after);
        };
        for (const File& f : files.temporaries)
          if (old(f)) remover.remove(f);
        if (files.main.empty())
          for (const File& f : files.companions)
            if (old(f)) remover.remove(f);
      }
      if (files.main.empty()) continue;
      std::vector<File> entry = files.main;
      entry.insert(entry.end(), files.companions.begin(), files.companions.end());
      entries.push_back({files.used(), files.entry_bytes(), in_use, std::move(entry)});
    }
  }

  std::sort(entries.begin(), entries.end(),
            [](const Candidate& a, const Candidate& b) { return a.used < b.used; });
  Trimmed trimmed;
  trimmed.kept = entries.size();
  for (const Candidate& entry : entries) trimmed.kept_bytes += entry.bytes;
  for (const Candidate& entry : entries) {
    if (trimmed.kept <= limits.entries && trimmed.kept_bytes <= limits.bytes) break;
    if (entry.in_use) continue;
    remover.remove(entry.files);
    ++trimmed.removed;
    --trimmed.kept;
    trimmed.kept_bytes -= entry.bytes;
  }
  return remover.result(trimmed);
}

Result<Trimmed> Directory::clear() const {
  Result<std::map<std::string, Files>> keys = scan(*this);
  if (!keys) return keys.take_error();
  Remover remover;
  Trimmed trimmed;
  std::int64_t at = now();
  for (auto& [key, files] : *keys) {
    bool entry = !files.main.empty();
    if (fresh_lock(files, layout_, at)) {
      trimmed.kept += entry;
      trimmed.kept_bytes += files.entry_bytes();
      continue;
    }
    trimmed.removed += entry;
    for (const std::vector<File>* group :
         {&files.main, &files.companions, &files.temporaries, &files.markers, &files.others})
      remover.remove(*group);
    for (const File& lock : files.locks) remover.remove_stale_lock(lock, layout_, at);
  }
  return remover.result(trimmed);
}

std::string temporary_suffix() {
  static std::atomic<unsigned> count{0};
  return "." + std::to_string(::getpid()) + "-" + std::to_string(count++) + ".tmp";
}

std::string temporary_for(const std::string& path) { return path + temporary_suffix(); }

Result<std::string> commit(const std::string& temporary, const std::string& path) {
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    Error error = os_failure("commit", path);
    ::unlink(temporary.c_str());
    return error;
  }
  return path;
}

Result<std::string> write_atomically(const std::string& path, std::string_view contents) {
  std::string temporary = temporary_for(path);
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return os_failure("write_atomically", temporary);
  while (!contents.empty()) {
    ssize_t n = ::write(fd, contents.data(), contents.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Error error = os_failure("write_atomically", temporary);
      ::close(fd);
      ::unlink(temporary.c_str());
      return error;
    }
    contents.remove_prefix(static_cast<std::size_t>(n));
  }
  if (::close(fd) != 0) {
    Error error = os_failure("write_atomically", temporary);
    ::unlink(temporary.c_str());
    return error;
  }
  return commit(temporary, path);
}

Result<std::string> touch(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return os_failure("touch", path);
  if (::futimens(fd, nullptr) != 0) {
    Error error = os_failure("touch", path);
    ::close(fd);
    return error;
  }
  ::close(fd);
  return path;
}

bool mark_used(const std::string& path) {
  return ::utimensat(AT_FDCWD, path.c_str(), nullptr, 0) == 0;
}

}  // namespace softpatch::cache
