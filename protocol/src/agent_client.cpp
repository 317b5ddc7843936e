#include "softpatch/protocol/agent_client.h"

#include <dirent.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "softpatch/protocol/agent_paths.h"

namespace softpatch::protocol {
namespace {

// Closes a descriptor on every way out.
class Descriptor {
 public:
  explicit Descriptor(int fd) : fd_(fd) {}
  ~Descriptor() {
    if (fd_ >= 0) close(fd_);
  }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// The pid a "<pid>.sock" entry names, or 0.
int pid_of_socket(const char* name) {
  int pid = 0;
  const char* c = name;
  for (; *c >= '0' && *c <= '9' && pid < 100000000; ++c) pid = pid * 10 + (*c - '0');
  return c != name && std::strcmp(c, ".sock") == 0 ? pid : 0;
}

bool send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    // MSG_NOSIGNAL: a program that exits meanwhile is an error, not a SIGPIPE.
    ssize_t n = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Patch files of programs that died (with an agent or without one):
// patches/<pid>-..., their pid gone.
void sweep_patches_of_the_dead(const std::string& directory) {
  std::string patches = patches_directory(directory);
  DIR* listing = opendir(patches.c_str());
  if (!listing) return;
  std::vector<int> dead;
  while (const dirent* entry = readdir(listing)) {
    int pid = 0;
    const char* c = entry->d_name;
    for (; *c >= '0' && *c <= '9' && pid < 100000000; ++c) pid = pid * 10 + (*c - '0');
    if (c == entry->d_name || *c != '-' || pid <= 0) continue;
    if (kill(pid, 0) != 0 && errno == ESRCH) dead.push_back(pid);
  }
  closedir(listing);
  std::sort(dead.begin(), dead.end());
  dead.erase(std::unique(dead.begin(), dead.end()), dead.end());
  for (int pid : dead) remove_program_entries(directory, pid);
}

}  // namespace

std::vector<int> running_agents() {
  std::vector<int> pids;
  Result<std::string> dir = agent_directory();
  if (!dir) {
    dir.ignore();  // no directory: no agents; the command says so when it asks one
    return pids;
  }
  DIR* listing = opendir(dir->c_str());
  if (!listing) return pids;
  while (const dirent* entry = readdir(listing)) {
    int pid = pid_of_socket(entry->d_name);
    if (pid <= 0) continue;
    if (kill(pid, 0) == 0) {
      pids.push_back(pid);
    } else if (errno == ESRCH) {
      // Left by a program killed before its agent could clean up.
      remove_program_entries(*dir, pid);
    }
  }
  closedir(listing);
  sweep_patches_of_the_dead(*dir);
  std::sort(pids.begin(), pids.end());
  return pids;
}

Result<std::string> exchange(int pid, std::string_view request_line) {
  if (request_line.size() > kMaxRequestBytes)
    return Error{"a request longer than " + std::to_string(kMaxRequestBytes) +
                 " bytes cannot be sent (a very long path?)"};
  if (request_line.find('\n') != std::string_view::npos) return Error{"a request must be one line"};
  Result<std::string> dir = agent_directory();
  if (!dir) return dir.take_error();
  std::string path = socket_path(*dir, pid);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) return Error{path + ": path too long for a socket"};
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  Descriptor fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return Error{std::string("cannot make a socket: ") + std::strerror(errno)};
  // A program stopped (in a debugger, say) or stuck must not hold the
  // command for ever; a load that runs initialisers gets minutes.
  timeval patience{300, 0};
  setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof patience);
  setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &patience, sizeof patience);
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
    return Error{"no softpatch agent in process " + std::to_string(pid) +
                 " (was it started with SOFTPATCH_AGENT=1, by softpatch run?)"};
  std::string line(request_line);
  line += '\n';
  std::string reply;
  if (!send_all(fd.get(), line))
    return Error{"process " + std::to_string(pid) +
                 " went away (exited?) before taking the request"};
  char buffer[4096];
  for (;;) {
    ssize_t n = read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return Error{"process " + std::to_string(pid) +
                   " did not answer within 300 s (stopped, in a debugger?)"};
    if (n <= 0) break;
    reply.append(buffer, static_cast<std::size_t>(n));
  }
  if (reply.empty())
    return Error{"process " + std::to_string(pid) + " gave no answer (did it exit?)"};
  return reply;
}

}  // namespace softpatch::protocol
