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

// dlopen()s the in-memory copy `copy`. The dynamic loader takes a name it
// has loaded before for that same library, and patches are never unloaded;
// so the copy is opened through a symbolic link whose name this process
// never used before, in the user's private directory, and no descriptor
// stays open (one per patch, for ever, would run into the program's limit).
Result<void*> dlopen_copy(int copy, const std::string& path) {
  Result<std::string> private_directory = protocol::agent_directory();
  if (!private_directory)
    return refused(path, "no private directory to load it from: " + private_directory.error());
  const std::string& directory = *private_directory;
  std::string name = link_to("/proc/self/fd/" + std::to_string(copy), directory);
  if (name.empty())
    return refused(path, "cannot link it in " + directory + ": " + std::strerror(errno));
  void* handle = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
  std::string why = handle ? "" : dlerror();
  unlink(name.c_str());
  if (handle) return handle;
  if (std::size_t at = why.find(name + ": "); at != std::string::npos)
    why.erase(at, name.size() + 2);
  return refused(path, "cannot load: " + explained(why));
}

}  // namespace

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
