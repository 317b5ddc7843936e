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
#include <string_view>
#include <thread>
#include <variant>

#include "crash_handler.h"
#include "patch_file.h"
#include "running_code.h"
#include "softpatch/loader.h"
#include "softpatch/protocol/agent_paths.h"
#include "softpatch/protocol/agent_protocol.h"
#include "softpatch/registry.h"

namespace softpatch {
namespace {

protocol::PatchSummary summary_of(const PatchInfo& patch) {
  using State = protocol::PatchSummary::State;
  State state = patch.pending  ? State::kPending
                : patch.active ? State::kActive
                               : State::kRolledBack;
  protocol::PatchSummary summary;
  summary.number = patch.number;
  summary.project_file = patch.project_file;
  summary.functions = patch.functions;
  summary.state = state;
  summary.loaded_at = patch.loaded_at;
  summary.changed = patch.changed;
  summary.added = patch.added;
  return summary;
}

std::string answer(const protocol::StatusRequest&) {
  protocol::StatusReply reply;
  reply.pid = getpid();
  char exe[4096] = {};
  if (ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1); n > 0) reply.executable = exe;
  for (const PatchInfo& p : patches()) reply.patches.push_back(summary_of(p));
  return protocol::encode(reply);
}

std::string answer(const protocol::FileRequest& request) {
  Result<RunningCode> running = running_code(request.project_file, request.module);
  if (!running) return protocol::encode_error(running.error());
  return protocol::encode(protocol::FileReply{std::move(running->build_id),
                                              std::move(running->code), std::move(running->built)});
}

std::string answer(const protocol::ListRequest& request) {
  protocol::ListReply reply;
  for (const Function& f : functions()) {
    if (std::string_view(f.name()).find(request.pattern) == std::string_view::npos) continue;
    int patch = patch_running(f);
    reply.functions.push_back({f.name(), f.project_file(), f.line(), patch, !patch && f.patched()});
  }
  return protocol::encode(reply);
}

// `loaded`: the reply to a load, which also says what calls it does not reach.
std::string answer_patch(Result<PatchInfo> result, bool loaded) {
  if (!result) return protocol::encode_error(result.error());
  protocol::PatchReply reply{summary_of(*result), {}};
  std::istringstream errors(result->hook_errors);
  for (std::string line; std::getline(errors, line);) reply.warnings.push_back(line);
  if (loaded)
    reply.warnings.insert(reply.warnings.end(), result->unreached.begin(), result->unreached.end());
  return protocol::encode(reply);
}

std::string answer(const protocol::LoadRequest& request) {
  return answer_patch(load_patch(request.path), /*loaded=*/true);
}

std::string answer(const protocol::RollbackRequest& request) {
  return answer_patch(request.number ? rollback(request.number) : rollback(), /*loaded=*/false);
}

class Agent {
 public:
  Agent() {
    const char* enabled = std::getenv("SOFTPATCH_AGENT");
    if (!enabled || std::string(enabled) != "1") return;
    install_crash_report();
    Result<std::string> dir = protocol::agent_directory();
    if (!dir) {
      std::fprintf(stderr, "softpatch agent: %s\n", dir.error().c_str());
      return;
    }
    directory_ = *dir;
    owner_ = getpid();
    path_ = protocol::socket_path(directory_, owner_);
    if (!listen_on(path_) || pipe2(stop_, O_CLOEXEC) != 0) {
      std::fprintf(stderr, "softpatch agent: %s: %s\n", path_.c_str(), std::strerror(errno));
      close_all();
      return;
    }
    thread_ = std::thread([this] { serve(); });
  }

  ~Agent() {
    // A forked child that exits has no agent thread, and what the agent
    // made is its parent's: leave both alone.
    if (owner_ != getpid()) {
      if (thread_.joinable()) thread_.detach();
      return;
    }
    if (thread_.joinable()) {
      char byte = 0;
      (void)!write(stop_[1], &byte, 1);
      thread_.join();
    }
    close_all();
  }

 private:
  // Bound and listening under a temporary name first, then renamed: a
  // client never finds the socket before the agent takes connections.
  bool listen_on(const std::string& path) {
    std::string temporary = path + ".new";
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (temporary.size() >= sizeof address.sun_path) return false;
    std::strcpy(address.sun_path, temporary.c_str());
    unlink(temporary.c_str());
    listener_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool ready = listener_ >= 0 &&
                 bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                 chmod(temporary.c_str(), 0600) == 0 && listen(listener_, 16) == 0 &&
                 rename(temporary.c_str(), path.c_str()) == 0;
    if (!ready) unlink(temporary.c_str());
    return ready;
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
    while (request.find('\n') == std::string::npos &&
           request.size() <= protocol::kMaxRequestBytes) {
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
    else if (request.size() > protocol::kMaxRequestBytes)
      reply = handle_agent_request(request);  // refused for its length, as any long line
    else if (n < 0)
      reply = protocol::encode_refusal(request, "no request line within 2 s: timed out");
    else
      reply = protocol::encode_refusal(request,
                                       "request cut off: the connection closed before its newline");
    (void)!send(client, reply.data(), reply.size(), MSG_NOSIGNAL);
  }

  void close_all() {
    if (listener_ >= 0) close(listener_);
    for (int fd : stop_)
      if (fd >= 0) close(fd);
    // The socket, and the patch files of this program (the agent thread is
    // gone: no load is running), in the directory found at start.
    if (!path_.empty()) {
      remove_loaded_copies();
      protocol::remove_program_entries(directory_, owner_);
    }
    listener_ = stop_[0] = stop_[1] = -1;
  }

  std::string directory_;
  pid_t owner_ = 0;
  std::string path_;
  int listener_ = -1;
  int stop_[2] = {-1, -1};
  std::thread thread_;
};

Agent agent;  // started during static initialisation, joined at exit

}  // namespace

std::string handle_agent_request(const std::string& line) {
  Result<protocol::Request> request =
      protocol::parse_request(line, protocol::agent_of_process(getpid()));
  if (!request) return protocol::encode_refusal(line, request.error());
  return std::visit([](const auto& r) { return answer(r); }, *request);
}

}  // namespace softpatch
