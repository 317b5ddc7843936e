#include "softpatch/protocol/agent_paths.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace softpatch::protocol {
namespace {

// Owner-only directory checks, on a descriptor opened without following links.
Result<std::string> safe_directory(const std::string& path) {
  if (mkdir(path.c_str(), 0700) != 0 && errno != EEXIST)
    return Error{path + ": " + std::strerror(errno)};
  int fd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  struct stat info;
  bool ok =
      fd >= 0 && fstat(fd, &info) == 0 && info.st_uid == geteuid() && (info.st_mode & 077) == 0;
  if (fd >= 0) close(fd);
  if (!ok)
    return Error{path + ": not a directory of this user's with mode 0700 (refusing to use it)"};
  return path;
}

}  // namespace

Result<std::string> agent_directory() {
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  std::string dir = runtime && *runtime ? std::string(runtime) + "/softpatch"
                                        : "/tmp/softpatch-" + std::to_string(geteuid());
  return safe_directory(dir);
}

std::string socket_path(const std::string& directory, int pid) {
  return directory + "/" + std::to_string(pid) + ".sock";
}

std::string lock_path(const std::string& directory, int pid) {
  return directory + "/" + std::to_string(pid) + ".lock";
}

std::string patches_directory(const std::string& directory) { return directory + "/patches"; }

void remove_program_entries(const std::string& directory, int pid) {
  unlink(socket_path(directory, pid).c_str());
  unlink((socket_path(directory, pid) + ".new").c_str());  // one not yet listening
  unlink(lock_path(directory, pid).c_str());
  std::string patches = patches_directory(directory);
  std::string prefix = std::to_string(pid) + "-";
  DIR* listing = opendir(patches.c_str());
  if (!listing) return;
  std::vector<std::string> names;
  while (const dirent* entry = readdir(listing))
    if (std::strncmp(entry->d_name, prefix.c_str(), prefix.size()) == 0)
      names.push_back(entry->d_name);
  closedir(listing);
  for (const std::string& name : names) unlink((patches + "/" + name).c_str());
}

}  // namespace softpatch::protocol
