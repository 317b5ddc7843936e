// The agent thread and its requests.
#include "softpatch/agent.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <thread>

#include "agent_request.h"
#include "softpatch/internal/registry_state.h"
#include "softpatch/loader.h"
#include "softpatch/registry.h"

namespace softpatch {
namespace {

std::string status() {
  std::ostringstream out;
  char exe[4096] = {};
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) exe[n] = 0;
  int active = 0;
  std::vector<PatchInfo> all = patches();
  for (const PatchInfo& p : all) active += p.active;
  out << "pid " << getpid() << "\nexe " << exe << "\npatches " << all.size() << " active " << active
      << "\nok\n";
  return out.str();
}

std::string build_id_of_file(const std::string& project_file) {
  if (const internal::TranslationUnit* unit = internal::find_unit(project_file))
    return "build-id " + module_build_id(unit) + "\nok\n";
  return "error " + project_file + " is not an instrumented file of this program\n";
}

std::string list(const std::string& pattern) {
  std::ostringstream out;
  for (const Function& f : functions()) {
    if (!pattern.empty() && std::string(f.name()).find(pattern) == std::string::npos) continue;
    out << f.name() << '\t' << f.project_file() << ':' << f.line() << '\t'
        << (f.patched() ? "patched" : "-") << '\n';
  }
  out << "ok\n";
  return out.str();
}

// "warning ..." lines for what hooks threw, then the closing line.
std::string answer(Result<PatchInfo>& result, const std::string& what) {
  if (!result) return "error " + result.error() + "\n";
  std::string reply;
  std::istringstream errors(result->hook_errors);
  for (std::string line; std::getline(errors, line);) reply += "warning " + line + "\n";
  return reply + "ok " + what + " " + std::to_string(result->number) + " " + result->project_file +
         " " + std::to_string(result->functions) + (result->pending ? " pending" : "") + "\n";
}

class Agent {
 public:
  Agent() {
    const char* enabled = std::getenv("SOFTPATCH_AGENT");
    if (!enabled || std::string(enabled) != "1") return;
    std::string error;
    std::string dir = agent_directory(&error);
    if (dir.empty()) {
      std::fprintf(stderr, "softpatch agent: %s\n", error.c_str());
      return;
    }
    path_ = dir + "/" + std::to_string(getpid()) + ".sock";
    if (!listen_on(path_) || pipe2(stop_, O_CLOEXEC) != 0) {
      std::fprintf(stderr, "softpatch agent: %s: %s\n", path_.c_str(), std::strerror(errno));
      close_all();
      return;
    }
    thread_ = std::thread([this] { serve(); });
  }

  ~Agent() {
    if (thread_.joinable()) {
      char byte = 0;
      (void)!write(stop_[1], &byte, 1);
      thread_.join();
    }
    close_all();
  }

 private:
  bool listen_on(const std::string& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof address.sun_path) return false;
    std::strcpy(address.sun_path, path.c_str());
    unlink(path.c_str());
    listener_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    return listener_ >= 0 &&
           bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
           chmod(path.c_str(), 0600) == 0 && listen(listener_, 16) == 0;
  }

  void serve() {
    for (;;) {
      pollfd fds[2] = {{listener_, POLLIN, 0}, {stop_[0], POLLIN, 0}};
      if (poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        return;
      }
      if (fds[1].revents) return;
      int client = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      serve_client(client);
      close(client);
    }
  }

  void serve_client(int client) {
    ucred peer{};
    socklen_t size = sizeof peer;
    if (getsockopt(client, SOL_SOCKET, SO_PEERCRED, &peer, &size) != 0 || peer.uid != geteuid()) {
      std::fprintf(stderr, "softpatch agent: refused a connection from uid %u\n", peer.uid);
      return;
    }
    // A client that is slow to ask, or to read its answer, does not hold the
    // agent: 2 s for the whole request, 2 s for each write of the reply.
    timeval timeout{2, 0};
    setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    std::string request;
    char buffer[512];
    ssize_t n = 1;
    while (request.find('\n') == std::string::npos && request.size() <= kMaxAgentRequest) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd ready{client, POLLIN, 0};
      if (left.count() <= 0 || poll(&ready, 1, static_cast<int>(left.count())) <= 0) {
        n = -1;  // timed out
        break;
      }
      if ((n = read(client, buffer, sizeof buffer)) <= 0) break;
      request.append(buffer, static_cast<std::size_t>(n));
    }
    std::string reply;
    if (std::size_t end = request.find('\n'); end != std::string::npos)
      reply = handle_agent_request(request.substr(0, end));
    else if (request.size() > kMaxAgentRequest)
      reply = "error request longer than " + std::to_string(kMaxAgentRequest) + " bytes\n";
    else if (n < 0)
      reply = "error no request line within 2 s: timed out\n";
    else
      reply = "error request cut off: the connection closed before its newline\n";
    (void)!send(client, reply.data(), reply.size(), MSG_NOSIGNAL);
  }

  void close_all() {
    if (listener_ >= 0) close(listener_);
    for (int fd : stop_)
      if (fd >= 0) close(fd);
    if (!path_.empty()) unlink(path_.c_str());
    listener_ = stop_[0] = stop_[1] = -1;
  }

  std::string path_;
  int listener_ = -1;
  int stop_[2] = {-1, -1};
  std::thread thread_;
};

Agent agent;  // started during static initialisation, joined at exit

}  // namespace

std::string handle_agent_request(const std::string& line) {
  Result<AgentRequest> request = parse_agent_request(line);
  if (!request) return "error " + request.error() + "\n";
  switch (request->verb) {
    case AgentRequest::Verb::kStatus:
      return status();
    case AgentRequest::Verb::kFile:
      return build_id_of_file(request->argument);
    case AgentRequest::Verb::kList:
      return list(request->argument);
    case AgentRequest::Verb::kLoad: {
      Result<PatchInfo> result = load_patch(request->argument);
      return answer(result, "patch");
    }
    case AgentRequest::Verb::kRollback: {
      Result<PatchInfo> result = request->number ? rollback(request->number) : rollback();
      return answer(result, "rolled back");
    }
  }
  return "error unknown request\n";
}

}  // namespace softpatch
