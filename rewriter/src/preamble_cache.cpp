#include "softpatch/rewriter/preamble_cache.h"

#include "parse_file.h"
#include "quote_includes.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>

#include "clang/Basic/Version.h"
#include "clang/Frontend/FrontendActions.h"
#include "clang/Frontend/PrecompiledPreamble.h"
#include "clang/Frontend/TextDiagnosticBuffer.h"
#include "clang/Tooling/Tooling.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SHA1.h"
#include "llvm/Support/raw_ostream.h"

namespace softpatch::rewriter {
namespace {

namespace fs = llvm::sys::fs;

// Quote includes of the preamble resolve here.
std::string directory_of(llvm::StringRef file) {
  return llvm::sys::path::parent_path(absolute_path(file)).str();
}

std::string hex(llvm::StringRef bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

std::string key_of(llvm::StringRef preamble, llvm::StringRef file,
                   const std::vector<std::string>& command) {
  llvm::SHA1 hash;
  hash.update(clang::getClangFullVersion());
  llvm::SmallString<256> cwd;  // relative -I paths mean different things elsewhere
  fs::current_path(cwd);
  hash.update(llvm::StringRef("\0", 1));
  hash.update(cwd);
  hash.update(llvm::StringRef("\0", 1));
  hash.update(directory_of(file));
  for (size_t i = 0; i + 1 < command.size(); ++i) {  // all but the file itself
    hash.update(llvm::StringRef("\0", 1));
    hash.update(command[i]);
  }
  hash.update(llvm::StringRef("\0", 1));
  hash.update(preamble);
  return hex(hash.final());
}

// Creates the file if need be and marks it used now (the cache evicts the
// least recently used entries first).
void touch(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return;
  ::futimens(fd, nullptr);
  ::close(fd);
}

}  // namespace

PreambleCache::PreambleCache(std::string directory, unsigned long long limit_bytes)
    : directory_(std::move(directory)), limit_bytes_(limit_bytes) {
  if (directory_.empty() || limit_bytes_ == 0) {
    directory_.clear();
    return;
  }
  if (!private_directory(directory_)) directory_.clear();
}

bool private_directory(const std::string& directory) {
  struct stat info;
  return !fs::create_directories(directory, /*IgnoreExisting=*/true, fs::perms::owner_all) &&
         ::lstat(directory.c_str(), &info) == 0 && S_ISDIR(info.st_mode) &&
         info.st_uid == ::geteuid() && !(info.st_mode & (S_IWGRP | S_IWOTH));
}

std::string PreambleCache::default_directory() {
  if (const char* dir = std::getenv("SOFTPATCH_CACHE_DIR"))
    return llvm::StringRef(dir) == "off" ? "" : dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return std::string(xdg) + "/softpatch";
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::string(home) + "/.cache/softpatch";
  return "";
}

std::optional<PreambleCache::Entry> PreambleCache::lookup(llvm::StringRef file,
                                                          const std::vector<std::string>& command) {
  if (directory_.empty()) return std::nullopt;
  // A precompiled header given by the build (CMake's) leaves no room for ours.
  for (const std::string& arg : command)
    if (arg == "-include-pch") return std::nullopt;
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer = llvm::MemoryBuffer::getFile(file);
  if (!buffer) return std::nullopt;
  clang::LangOptions options;
  options.CPlusPlus = true;
  clang::PreambleBounds bounds = clang::ComputePreambleBounds(options, **buffer, 0);
  llvm::StringRef preamble = (*buffer)->getBuffer().take_front(bounds.Size);
  if (!preamble.contains("#include")) return std::nullopt;

  std::string key = key_of(preamble, file, command);
  std::string pch = directory_ + "/" + key + ".pch";
  std::string seen = directory_ + "/" + key + ".seen";
  if (fs::exists(directory_ + "/" + key + ".bad")) return std::nullopt;
  if (fs::exists(pch)) {
    touch(pch);
    return Entry{pch, false};
  }
  if (!fs::exists(seen)) {
    touch(seen);
    return std::nullopt;
  }
  if (!build(key, preamble, file, command, pch)) return std::nullopt;
  trim();
  return Entry{pch, true};
}

// One process builds an entry; the others parse without it meanwhile. A lock
// left by a process that died is taken over after two minutes.
static bool take_build_lock(const std::string& lock) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    int fd = ::open(lock.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
      ::close(fd);
      return true;
    }
    struct stat info;
    if (::stat(lock.c_str(), &info) != 0 || std::time(nullptr) - info.st_mtime < 120) return false;
    ::unlink(lock.c_str());
  }
  return false;
}

bool PreambleCache::build(const std::string& key, llvm::StringRef preamble, llvm::StringRef file,
                          const std::vector<std::string>& command, const std::string& pch) {
  // The preamble becomes a header of its own, kept beside the entry (Clang
  // checks it is still there); its quote includes name the file's directory.
  std::string lock = directory_ + "/" + key + ".lock";
  if (!take_build_lock(lock)) return false;
  struct Unlock {
    std::string path;
    ~Unlock() { ::unlink(path.c_str()); }
  } unlock{lock};
  std::string header = directory_ + "/" + key + ".h";
  {
    std::error_code error;
    llvm::raw_fd_ostream out(header, error);
    if (error) return false;
    out << with_absolute_quote_includes(preamble, directory_of(file)) << "\n";
  }
  std::vector<std::string> generate(command.begin(), command.end() - 1);
  generate.erase(std::remove(generate.begin(), generate.end(), "-fsyntax-only"), generate.end());
  std::string temporary = pch + "." + std::to_string(::getpid()) + ".tmp";
  generate.insert(generate.end(), {"-x", "c++-header", header, "-o", temporary});

  llvm::IntrusiveRefCntPtr<clang::FileManager> files(
      new clang::FileManager(clang::FileSystemOptions()));
  clang::TextDiagnosticBuffer diagnostics;  // a failed build is just a cache miss
  clang::tooling::ToolInvocation invocation(generate, std::make_unique<clang::GeneratePCHAction>(),
                                            files.get());
  invocation.setDiagnosticConsumer(&diagnostics);
  bool built = invocation.run() && diagnostics.getNumErrors() == 0;
  if (!built || fs::rename(temporary, pch)) {
    fs::remove(temporary);
    fs::remove(header);
    return false;
  }
  return true;
}

// An entry is NAME.pch with the header it was built from, NAME.h.
static void remove_entry(llvm::StringRef pch) {
  fs::remove(pch);
  fs::remove(pch.drop_back(4).str() + ".h");
}

void PreambleCache::discard(const Entry& entry) {
  remove_entry(entry.pch);
  // Unusable as soon as it was built (a header without include guards, say):
  // never build it again. A reused entry gone stale is rebuilt next time.
  if (entry.built_now) touch(entry.pch.substr(0, entry.pch.size() - 4) + ".bad");
}

void PreambleCache::trim() {
  struct File {
    std::string path;
    unsigned long long size;
    llvm::sys::TimePoint<> used;
  };
  std::vector<File> entries;
  unsigned long long total = 0;
  std::error_code error;
  for (fs::directory_iterator it(directory_, error), end; it != end && !error;
       it.increment(error)) {
    llvm::StringRef extension = llvm::sys::path::extension(it->path());
    fs::file_status status;
    if (fs::status(it->path(), status)) continue;
    if (extension == ".seen" &&
        std::chrono::system_clock::now() - status.getLastModificationTime() >
            std::chrono::hours(24 * 7))
      fs::remove(it->path());  // seen once, a week ago: forget it
    if (extension != ".pch") continue;
    entries.push_back({it->path(), status.getSize(), status.getLastModificationTime()});
    total += status.getSize();
  }
  std::sort(entries.begin(), entries.end(),
            [](const File& a, const File& b) { return a.used < b.used; });
  for (const File& f : entries) {
    if (total <= limit_bytes_) break;
    remove_entry(f.path);
    total -= f.size;
  }
}

std::vector<std::string> with_preamble(std::vector<std::string> command, const std::string& pch) {
  // Headers in -isystem directories are checked for changes too (Clang only
  // checks user headers by default).
  command.insert(command.end() - 1, {"-include-pch", pch, "-fmodules-validate-system-headers"});
  return command;
}

}  // namespace softpatch::rewriter
