#include "patch_file.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cxxabi.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "elf_check.h"
#include "messages.h"
#include "softpatch/protocol/agent_paths.h"

namespace softpatch {
namespace {

// Why code in a file (or directory) described by `info` could have been
// written by someone else, or "": it must belong to this user or root and
// be writable by nobody else: not by all, nor by a group other than the
// user's own (a user-private group, as umask 002 systems use, is the user).
// A shared directory is fine with the sticky bit, as /tmp has: then no one
// else can replace a file of ours in it.
std::string untrusted(const struct stat& info, const char* what) {
  if (info.st_uid != geteuid() && info.st_uid != 0)
    return std::string(what) + " belongs to another user (uid " + std::to_string(info.st_uid) + ")";
  bool shared = (info.st_mode & S_IWOTH) || ((info.st_mode & S_IWGRP) && info.st_gid != getegid());
  if (shared && !(S_ISDIR(info.st_mode) && (info.st_mode & S_ISVTX)))
    return std::string(what) + " is writable by other users";
  return "";
}

std::string untrusted_directory(const std::string& path) {
  std::string directory =
      path.find('/') == std::string::npos ? "." : path.substr(0, path.rfind('/'));
  if (directory.empty()) directory = "/";
  struct stat info;
  if (stat(directory.c_str(), &info) != 0) return "its directory cannot be checked";
  return untrusted(info, "its directory");
}

// Why the open file `fd` at `path` may not be loaded, or "".
std::string unfit(int fd, const std::string& path) {
  struct stat info;
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) return "not a regular file";
  if (std::string why = untrusted(info, "the file"); !why.empty()) return why;
  return untrusted_directory(path);
}

// A private in-memory copy of the open file `fd`, or -1.
int copy_to_memory(int fd) {
  int copy = memfd_create("softpatch-patch", MFD_CLOEXEC);
  bool copied = copy >= 0;
  char buffer[1 << 16];
  for (ssize_t n; copied && (n = read(fd, buffer, sizeof buffer)) != 0;)
    copied = n > 0 && write(copy, buffer, static_cast<std::size_t>(n)) == n;
  if (!copied && copy >= 0) {
    int saved = errno;
    close(copy);
    errno = saved;
  }
  return copied ? copy : -1;
}

// dlerror()'s message, with a name it reports missing demangled and the
// usual cause said: a patch refers to what the program must define.
std::string explained(std::string why) {
  const std::string marker = "undefined symbol: ";
  std::size_t at = why.find(marker);
  if (at == std::string::npos) return why;
  std::string symbol = why.substr(at + marker.size());
  symbol = symbol.substr(0, symbol.find_first_of(" \t,"));
  int status = 0;
  char* readable = abi::__cxa_demangle(symbol.c_str(), nullptr, nullptr, &status);
  std::string name = status == 0 && readable ? readable : symbol;
  std::free(readable);
  // A function the program has but does not export (hidden visibility, or a
  // static library's code that the link kept local) is as absent to the
  // dynamic linker as a variable the edit added.
  if (name.find('(') != std::string::npos)
    return "the program does not define " + name +
           " for the patch, which calls it: a function of hidden visibility, or one the link "
           "left out or kept local; restart needed";
  return "the program does not define " + name +
         ", which the patch uses: a new global variable needs a restart (or static, to keep it "
         "in the file)";
}

// A new symbolic link to `target` in `directory`, named by this process's
// pid, a count and a random part: unique in this process (the count), and
// never one another process made (the directory may be shared by processes
// of the same pid in other pid namespaces): an existing name is skipped, not
// replaced. "" if none could be made.
std::string link_to(const std::string& target, const std::string& directory) {
  static std::atomic<unsigned long> links{0};
  for (int attempt = 0; attempt < 16; ++attempt) {
    std::uint32_t random = 0;
    if (getrandom(&random, sizeof random, 0) != sizeof random) return "";
    char suffix[16];
    std::snprintf(suffix, sizeof suffix, "%08x", random);
    std::string name = directory + "/patch-" + std::to_string(getpid()) + "-" +
                       std::to_string(++links) + "-" + suffix + ".so";
    if (symlink(target.c_str(), name.c_str()) == 0) return name;
    if (errno != EEXIST) return "";
  }
  return "";
}

// The loaded copies of this process. Never destroyed (a load may still run
// while static objects go at exit); removed by remove_loaded_copies(): from
// the agent once its thread is joined, and by an exit handler for programs
// without one. A forked child removes none of its parent's.
struct LoadedCopies {
  std::mutex mutex;
  std::vector<std::string> names;
  pid_t owner = 0;
};
LoadedCopies& loaded_copies() {
  static LoadedCopies* copies = new LoadedCopies;
  return *copies;
}
void remember_copy(std::string name) {
  LoadedCopies& copies = loaded_copies();
  std::lock_guard<std::mutex> lock(copies.mutex);
  if (copies.owner != getpid()) {  // the first copy of this process
    copies.names.clear();
    copies.owner = getpid();
    std::atexit(remove_loaded_copies);
  }
  copies.names.push_back(std::move(name));
}

// A new file in `directory` holding what `copy` holds, named by this
// process's pid, a count and a random part (never a name another process
// made: the directory may be shared by processes of the same pid in other
// pid namespaces; an existing name is skipped), readable and executable by
// its owner only. "" if none could be made.
std::string file_copy(int copy, const std::string& directory) {
  static std::atomic<unsigned long> copies{0};
  for (int attempt = 0; attempt < 16; ++attempt) {
    std::uint32_t random = 0;
    if (getrandom(&random, sizeof random, 0) != sizeof random) return "";
    char suffix[16];
    std::snprintf(suffix, sizeof suffix, "%08x", random);
    std::string name = directory + "/" + std::to_string(getpid()) + "-loaded-" +
                       std::to_string(++copies) + "-" + suffix + ".so";
    int out = open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0500);
    if (out < 0 && errno == EEXIST) continue;
    if (out < 0) return "";
    bool copied = lseek(copy, 0, SEEK_SET) == 0;
    char buffer[1 << 16];
    for (ssize_t n; copied && (n = read(copy, buffer, sizeof buffer)) != 0;)
      copied = n > 0 && write(out, buffer, static_cast<std::size_t>(n)) == n;
    copied = close(out) == 0 && copied;
    if (copied) return name;
    unlink(name.c_str());
    return "";
  }
  return "";
}

// dlopen()s the in-memory copy `copy`. The dynamic loader takes a name it
// has loaded before for that same library, and patches are never unloaded,
// so each load needs a name this process never used. The copy is written to
// a file of that name in the user's private patches directory and kept
// there while the process lives (its agent removes it at exit; the next
// softpatch sweeps those of a process that died): the debugger reads a
// library's symbols from its path, and a patch with none readable would
// hide its code from gdb. Where that directory cannot hold code (a noexec
// mount), the copy is opened through a symbolic link to itself instead,
// removed at once: it loads, but the debugger sees no symbols.
Result<void*> dlopen_copy(int copy, const std::string& path) {
  Result<std::string> private_directory = protocol::agent_directory();
  if (!private_directory)
    return refused(path, "no private directory to load it from: " + private_directory.error());
  std::string patches = protocol::patches_directory(*private_directory);
  if (mkdir(patches.c_str(), 0700) != 0 && errno != EEXIST)
    return refused(path, "cannot make " + patches + ": " + std::strerror(errno));
  std::string name = file_copy(copy, patches);
  if (name.empty())
    return refused(path, "cannot copy it to " + patches + ": " + std::strerror(errno));
  void* handle = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
  std::string why = handle ? "" : dlerror();
  if (handle) {
    remember_copy(name);
    return handle;
  }
  unlink(name.c_str());
  if (why.find("failed to map segment") != std::string::npos) {  // noexec
    std::string link = link_to("/proc/self/fd/" + std::to_string(copy), *private_directory);
    if (!link.empty()) {
      handle = dlopen(link.c_str(), RTLD_NOW | RTLD_LOCAL);
      why = handle ? "" : dlerror();
      unlink(link.c_str());
      if (handle) return handle;
      name = link;
    }
  }
  if (std::size_t at = why.find(name + ": "); at != std::string::npos)
    why.erase(at, name.size() + 2);
  return refused(path, "cannot load: " + explained(why));
}

}  // namespace

void remove_loaded_copies() {
  LoadedCopies& copies = loaded_copies();
  std::lock_guard<std::mutex> lock(copies.mutex);
  if (copies.owner != getpid()) return;
  for (const std::string& name : copies.names) unlink(name.c_str());
  copies.names.clear();
}

Result<void*> open_patch_file(const std::string& path) {
  // O_NONBLOCK: a FIFO must not block the agent; fstat then refuses it.
  int file = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (file < 0)
    return refused(path, errno == ELOOP ? std::string("is a symbolic link (give the file itself)")
                                        : std::string("cannot open: ") + std::strerror(errno));
  if (std::string why = unfit(file, path); !why.empty()) {
    close(file);
    return refused(path, why);
  }
  int copy = copy_to_memory(file);
  close(file);
  if (copy < 0) return refused(path, std::string("cannot copy: ") + std::strerror(errno));
  std::string problem = elf_problem(copy);
  Result<void*> handle =
      problem.empty() ? dlopen_copy(copy, path) : Result<void*>(refused(path, problem));
  close(copy);  // mapped by now, if loaded
  return handle;
}

}  // namespace softpatch
