// softpatch: patch a running instrumented program, list its functions, roll
// patches back.
//
//   softpatch patch [-p BUILD_DIR] [--pid PID] FILE...
//   softpatch status | list [PATTERN] | rollback [N]   [--pid PID]
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "softpatch/agent.h"
#include "softpatch/driver/agent_client.h"
#include "softpatch/driver/compile_database.h"
#include "softpatch/driver/patch_builder.h"

namespace fs = std::filesystem;
using softpatch::driver::ask_agent;

namespace {

int fail(const std::string& message) {
  std::fprintf(stderr, "softpatch: %s\n", message.c_str());
  return 1;
}

// The process to talk to: --pid, or the only one running an agent.
llvm::Expected<int> target(int pid) {
  if (pid) return pid;
  std::vector<int> pids = softpatch::driver::running_agents();
  if (pids.size() == 1) return pids.front();
  std::string message = pids.empty() ? "no running program with a softpatch agent (start it "
                                       "with SOFTPATCH_AGENT=1, or under softpatch run)"
                                     : "several programs run a softpatch agent (pids";
  for (int p : pids) message += " " + std::to_string(p);
  if (!pids.empty()) message += "): choose one with --pid";
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

std::string field(const std::string& reply, const std::string& name) {
  std::istringstream in(reply);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(name + " ", 0) == 0) return line.substr(name.size() + 1);
  return "";
}

// Held while one softpatch patches a process: a second one waits its turn,
// so builds and loads never interleave.
class TargetLock {
 public:
  explicit TargetLock(int pid) {
    std::string path = softpatch::agent_directory() + "/" + std::to_string(pid) + ".lock";
    fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd_ >= 0 && flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      std::fprintf(stderr, "softpatch: waiting for another softpatch patching process %d\n", pid);
      flock(fd_, LOCK_EX);
    }
  }
  ~TargetLock() {
    if (fd_ >= 0) close(fd_);
  }
  TargetLock(const TargetLock&) = delete;
  TargetLock& operator=(const TargetLock&) = delete;

 private:
  int fd_ = -1;
};

// Lifecycle hooks that threw, as the agent reported them.
void print_warnings(const std::string& reply) {
  std::istringstream in(reply);
  for (std::string line; std::getline(in, line);)
    if (line.rfind("warning ", 0) == 0) std::fprintf(stderr, "softpatch: %s\n", line.c_str() + 8);
}

int patch_file(int pid, const std::string& file, const std::string& build_dir) {
  auto started = std::chrono::steady_clock::now();
  llvm::Expected<softpatch::driver::CompileCommand> command =
      softpatch::driver::find_compile_command(file, build_dir);
  if (!command) return fail(llvm::toString(command.takeError()));
  // The project root is where softpatch_instrument said: the --root= of the
  // build's launcher is not in compile_commands.json, so ask the program.
  fs::path source = fs::absolute(file).lexically_normal();
  std::string root, project_file, build_id;
  for (fs::path dir = source.parent_path(); !dir.empty() && dir != dir.parent_path();
       dir = dir.parent_path()) {
    std::string relative = source.lexically_relative(dir).string();
    llvm::Expected<std::string> reply = ask_agent(pid, "file " + relative);
    if (reply) {
      root = dir.string(), project_file = relative, build_id = field(*reply, "build-id");
      break;
    }
    llvm::consumeError(reply.takeError());
  }
  if (root.empty())
    return fail(file + ": not an instrumented file of process " + std::to_string(pid));
  std::string dir = softpatch::agent_directory() + "/patches";
  fs::create_directories(dir);
  static int serial = 0;
  std::string output = dir + "/" + std::to_string(pid) + "-" + std::to_string(getpid()) + "-" +
                       std::to_string(++serial) + ".so";
  fs::path cwd = fs::current_path();
  fs::current_path(command->directory);
  llvm::Expected<softpatch::driver::BuiltPatch> built = softpatch::driver::build_patch(
      {source.string(), source.string(), command->command, root, build_id, output});
  fs::current_path(cwd);
  if (!built) return fail(file + ": " + llvm::toString(built.takeError()));
  llvm::Expected<std::string> loaded = ask_agent(pid, "load " + built->path);
  if (!loaded) return fail(llvm::toString(loaded.takeError()));
  print_warnings(*loaded);
  std::istringstream ok(loaded->substr(loaded->rfind("ok patch ")));
  std::string word1, word2, number, functions;
  ok >> word1 >> word2 >> number >> project_file >> functions;
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::string waits =
      loaded->find(" pending\n") != std::string::npos ? " (waits for a safe point)" : "";
  std::printf("%s \u2192 patch %s: %s functions in %.2f s%s\n", file.c_str(), number.c_str(),
              functions.c_str(), seconds, waits.c_str());
  return 0;
}

int print_reply(llvm::Expected<std::string> reply) {
  if (!reply) return fail(llvm::toString(reply.takeError()));
  std::string text = *reply;
  text.erase(text.rfind("ok"));  // the closing line is for machines
  std::fputs(text.c_str(), stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"softpatch: live code patching for C++"};
  app.require_subcommand(1);
  int pid = 0;
  std::string build_dir, pattern;
  std::vector<std::string> files;
  int number = 0;

  CLI::App* patch = app.add_subcommand("patch", "build patches for changed files and apply them");
  patch->add_option("-p", build_dir, "build directory holding compile_commands.json");
  patch->add_option("--pid", pid, "the process to patch");
  patch->add_option("files", files, "edited .cpp files")->required();
  CLI::App* status = app.add_subcommand("status", "the running program and its patches");
  status->add_option("--pid", pid, "the process");
  CLI::App* list = app.add_subcommand("list", "instrumented functions, patched or not");
  list->add_option("pattern", pattern, "part of a function's name");
  list->add_option("--pid", pid, "the process");
  CLI::App* rollback = app.add_subcommand("rollback", "undo the latest patch, or patch N");
  rollback->add_option("number", number, "the patch to undo");
  rollback->add_option("--pid", pid, "the process");
  CLI11_PARSE(app, argc, argv);

  llvm::Expected<int> process = target(pid);
  if (!process) return fail(llvm::toString(process.takeError()));
  if (*patch) {
    TargetLock lock(*process);
    int status_code = 0;
    for (const std::string& file : files) status_code |= patch_file(*process, file, build_dir);
    return status_code;
  }
  if (*status) return print_reply(ask_agent(*process, "status"));
  if (*list) return print_reply(ask_agent(*process, "list " + pattern));
  llvm::Expected<std::string> reply =
      ask_agent(*process, number ? "rollback " + std::to_string(number) : "rollback");
  if (!reply) return fail(llvm::toString(reply.takeError()));
  std::istringstream fields(field(*reply, "ok rolled back"));
  std::string rolled_back, file;
  fields >> rolled_back >> file;
  std::printf("rolled back patch %s (%s)\n", rolled_back.c_str(), file.c_str());
  return 0;
}
