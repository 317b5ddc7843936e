// softpatch::cache: what softpatch's on-disk caches have in common — where
// they live, how an entry is named, written, locked and trimmed. The
// rewriter's precompiled preambles and the patch compiler's are both made of
// it, and keep only what is their own: what goes into a key, and when an
// entry is stale. No LLVM here.
//
// A cache is a private directory (the user's, mode 0700) of entries. Entry
// <key> is a main file <key><suffix> (a precompiled header), with the
// companions that go with it (the header it was built from); its size is
// theirs together, and it was last used when its main file was last dated
// (mark_used). Trimming removes the least recently used entries first, and
// never one whose lock is held.
//
//   const cache::Layout layout{{".pch"}, {".h"}, ".lock", std::chrono::minutes(2), {}};
//   Result<cache::Directory> dir = cache::Directory::open(cache::default_directory(), layout);
//   if (!dir) return miss(dir.error());
//   std::string key = cache::Key("example/1").add(compiler).add(flags).add(text).name();
//   std::string pch = dir->file(key, ".pch");
//   if (cache::mark_used(pch)) return pch;      // there: dated now, trimmed last
//   Result<cache::Lock> lock = dir->lock(key);  // one build per entry
//   if (!lock) return miss(lock.error());       // another process is building it
//   std::string temporary = cache::temporary_for(pch);
//   build(text, temporary);
//   Result<std::string> built = cache::commit(temporary, pch);  // all of it, or nothing
//   if (!built) return miss(built.error());
//   dir->trim(cache::Limits{1ull << 30}).ignore();  // keeps this entry: it is locked
//   return pch;
//
// Every file is written whole under its final name (write_atomically, or
// temporary_for then commit): a reader sees a complete entry or none. Files
// a cache keeps beside its entries for itself (a "seen once" marker) are
// markers: trim leaves them alone until they expire.
#ifndef SOFTPATCH_CACHE_FILE_CACHE_H
#define SOFTPATCH_CACHE_FILE_CACHE_H

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "softpatch/result.h"

namespace softpatch::cache {

// Where softpatch caches live: $SOFTPATCH_CACHE_DIR, else
// $XDG_CACHE_HOME/softpatch, else ~/.cache/softpatch; "" (no caches) when
// $SOFTPATCH_CACHE_DIR is "off" or there is no home.
std::string default_directory();

// The name of an entry: a hash of everything its content depends on. Parts
// are framed with their lengths, so ("ab", "c") and ("a", "bc") differ, and
// the scheme (the cache's name and format version) comes first, so two
// caches, or two formats of one, never share a name. Stable across runs,
// builds and machines.
class Key {
 public:
  explicit Key(std::string_view scheme);

  // Adds one part.
  Key& add(std::string_view part);
  // Adds a list: its length, then each element (so a list may be followed
  // by other parts unambiguously).
  Key& add(const std::vector<std::string>& parts);

  // 64 lowercase hex digits (SHA-256); never contains a '.'.
  std::string name() const;

 private:
  std::string framed_;
};

// How a cache names the files of its entries, all <key><suffix>.
struct Layout {
  // A file with one of these suffixes makes <key> an entry; its date is when
  // the entry was last used.
  std::vector<std::string> main;
  // Files that go with an entry: counted in its size, removed with it, and
  // removed when left over without it.
  std::vector<std::string> companions;
  // The suffix of an entry's lock, held while it is built (".lock").
  std::string lock;
  // A lock older than this was left by a process that died.
  std::chrono::seconds lock_stale_after;
  // Markers: the cache's own files, never part of an entry; trim removes
  // one once it is older than its lifetime.
  struct Marker {
    std::string suffix;
    std::chrono::seconds lifetime;
  };
  std::vector<Marker> markers;
};

// No limit, for either field of Limits.
inline constexpr std::uint64_t kUnlimited = std::numeric_limits<std::uint64_t>::max();

// What trim keeps at most.
struct Limits {
  std::uint64_t bytes = kUnlimited;
  std::uint64_t entries = kUnlimited;
};

// What trim or clear did.
struct Trimmed {
  std::uint64_t removed = 0;      // entries removed
  std::uint64_t freed_bytes = 0;  // by them and by leftovers (temporaries, stale locks)
  std::uint64_t kept = 0;         // entries left
  std::uint64_t kept_bytes = 0;
};

class Directory;

// Held while an entry is being built: one build per entry, and trim and
// clear leave the entry alone. Released (its file removed) when destroyed,
// unless handed over.
class [[nodiscard]] Lock {
 public:
  Lock(Lock&& other) noexcept;
  Lock& operator=(Lock&&) = delete;
  ~Lock();

  // <key><lock suffix> in the cache directory.
  const std::string& path() const { return path_; }

  // Leaves the lock held when this object goes, for a process that goes on
  // building after the caller is gone: that process removes path() when
  // done (or the lock goes stale). Returns path().
  std::string hand_over();

 private:
  friend class Directory;
  explicit Lock(std::string path) : path_(std::move(path)) {}

  std::string path_;  // "" once handed over
};

// One cache directory and its layout.
class Directory {
 public:
  // Creates `path` when missing (mode 0700), and refuses it unless it is a
  // directory of this user's that no one else can write to: caches shape
  // generated code. "" (caches off) is an error too.
  static Result<Directory> open(std::string path, Layout layout);

  const std::string& path() const { return path_; }
  const Layout& layout() const { return layout_; }

  // <path>/<key><suffix>, for a Key's name.
  std::string file(std::string_view key, std::string_view suffix) const;

  // Takes entry `key`'s lock; an error when another process holds it (one
  // that is stale is taken over).
  Result<Lock> lock(std::string_view key) const;

  // Removes entry `key` (its main files and companions) now, in use or not:
  // for an entry its user found broken. Returns the bytes freed.
  Result<std::uint64_t> remove(std::string_view key) const;

  // Removes the least recently used entries not in use until at most
  // `limits` remain (entries in use count, but stay), expired markers, and
  // what dead processes left (stale locks, old temporaries, companions
  // without their entry).
  Result<Trimmed> trim(const Limits& limits) const;

  // Removes every file but those of entries in use.
  Result<Trimmed> clear() const;

 private:
  Directory(std::string path, Layout layout) : path_(std::move(path)), layout_(std::move(layout)) {}

  std::string path_;
  Layout layout_;
};

// Trims several caches as one: `limits` bound them together, and the least
// recently used entry of any of them goes first.
Result<Trimmed> trim_together(const std::vector<Directory>& caches, const Limits& limits);

// A name for a file that becomes `path` once complete (commit): `path` and
// a suffix unique to this call (temporary_suffix()). Trim takes it for a
// leftover once its entry is not in use and it is older than a stale lock.
std::string temporary_for(const std::string& path);
// The suffix itself: ".<pid>-<n>.tmp", for files written by another
// process (a compiler's -o).
std::string temporary_suffix();

// Renames `temporary` to `path`, replacing it at once; removes `temporary`
// when that fails. Returns `path`.
Result<std::string> commit(const std::string& temporary, const std::string& path);

// Writes `contents` to `path` through a temporary (mode 0600): readers see
// the old file or the new one, never part of one. Returns `path`.
Result<std::string> write_atomically(const std::string& path, std::string_view contents);

// Creates `path` (empty) when missing, and dates it now: for markers.
// Returns `path`.
Result<std::string> touch(const std::string& path);

// Dates an existing entry's main file now (trim takes it last); false when
// there is none (it was never built, or was just trimmed).
[[nodiscard]] bool mark_used(const std::string& path);

}  // namespace softpatch::cache

#endif  // SOFTPATCH_CACHE_FILE_CACHE_H
