// Where agents put their sockets. Also compiled into the softpatch command,
// which must find them without linking the agent itself.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "softpatch/agent.h"

namespace softpatch {
namespace {

// Owner-only directory checks, on a descriptor opened without following links.
bool safe_directory(const std::string& path, std::string* error) {
  if (mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    if (error) *error = path + ": " + std::strerror(errno);
    return false;
  }
  int fd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  struct stat info;
  bool ok =
      fd >= 0 && fstat(fd, &info) == 0 && info.st_uid == geteuid() && (info.st_mode & 077) == 0;
  if (fd >= 0) close(fd);
  if (!ok && error)
    *error = path + ": not a directory of this user's with mode 0700 (refusing to use it)";
  return ok;
}

}  // namespace

std::string agent_directory(std::string* error) {
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  std::string dir = runtime && *runtime ? std::string(runtime) + "/softpatch"
                                        : "/tmp/softpatch-" + std::to_string(geteuid());
  return safe_directory(dir, error) ? dir : "";
}

}  // namespace softpatch
