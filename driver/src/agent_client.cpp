#include "softpatch/driver/agent_client.h"

#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "softpatch/agent.h"

namespace softpatch::driver {
namespace {

llvm::Error failure(const std::string& message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

}  // namespace

std::vector<int> running_agents() {
  std::vector<int> pids;
  std::string dir = agent_directory();
  if (dir.empty()) return pids;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    if (entry.path().extension() != ".sock") continue;
    int pid = std::atoi(entry.path().stem().c_str());
    if (pid > 0 && kill(pid, 0) == 0) {
      pids.push_back(pid);
    } else if (pid > 0 && errno == ESRCH) {
      // Left by a program killed before its agent could clean up.
      std::filesystem::remove(entry.path(), error);
      std::filesystem::remove(dir + "/" + std::to_string(pid) + ".lock", error);
    }
  }
  std::sort(pids.begin(), pids.end());
  return pids;
}

const char kNoRunningAgent[] =
    "no running program with a softpatch agent (start it with SOFTPATCH_AGENT=1, or under "
    "softpatch run)";

llvm::Expected<int> only_running_agent() {
  std::vector<int> pids = running_agents();
  if (pids.empty()) return failure(kNoRunningAgent);
  if (pids.size() == 1) return pids.front();
  std::string message = "several programs run a softpatch agent (pids";
  for (int pid : pids) message += " " + std::to_string(pid);
  return failure(message + "): choose one with --pid");
}

llvm::Expected<std::string> ask_agent(int pid, const std::string& request) {
  std::string error;
  std::string dir = agent_directory(&error);
  if (dir.empty()) return failure(error);
  std::string path = dir + "/" + std::to_string(pid) + ".sock";
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    if (fd >= 0) close(fd);
    return failure("no softpatch agent in process " + std::to_string(pid) +
                   " (was it started with SOFTPATCH_AGENT=1, by softpatch run?)");
  }
  for (char c : request)
    if (static_cast<unsigned char>(c) < 0x20)
      return failure("cannot send a request with a control character (a line break in a path?)");
  std::string line = request + "\n";
  std::string reply;
  // MSG_NOSIGNAL: a program that exits meanwhile is an error, not a SIGPIPE.
  if (send(fd, line.data(), line.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(line.size())) {
    char buffer[4096];
    for (ssize_t n; (n = read(fd, buffer, sizeof buffer)) > 0;) reply.append(buffer, n);
  }
  close(fd);
  std::size_t last = reply.rfind('\n', reply.size() >= 2 ? reply.size() - 2 : 0);
  std::string final_line = reply.substr(last == std::string::npos ? 0 : last + 1);
  if (final_line.rfind("ok", 0) == 0) return reply;
  if (final_line.rfind("error ", 0) == 0) {
    std::string message = final_line.substr(6, final_line.size() - 7);
    if (message.rfind("softpatch: ", 0) == 0) message.erase(0, 11);  // callers say who speaks
    return failure(message);
  }
  return failure("process " + std::to_string(pid) + " gave no answer");
}

std::string reply_field(const std::string& reply, const std::string& name) {
  std::istringstream in(reply);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(name + " ", 0) == 0) return line.substr(name.size() + 1);
  return "";
}

}  // namespace softpatch::driver
