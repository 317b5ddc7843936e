#include "softpatch/patching/live_patch.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "clang/Tooling/JSONCompilationDatabase.h"
#include "softpatch/common/paths.h"
#include "softpatch/common/source_files.h"
#include "softpatch/compile/compile_database.h"
#include "softpatch/elf/build_id.h"
#include "softpatch/patching/patch_builder.h"
#include "softpatch/protocol/agent_client.h"
#include "softpatch/protocol/agent_paths.h"

namespace softpatch::driver {
namespace fs = std::filesystem;
namespace {

llvm::Error failure(const std::string& message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

// The protocol's Result as this layer's error.
template <class T>
llvm::Expected<T> expected(Result<T> result) {
  if (!result) return failure(result.take_error().message);
  return std::move(*result);
}

// The program a process runs, as a user knows it; never blank.
std::string executable_of(int pid) {
  std::error_code error;
  std::string exe = fs::read_symlink("/proc/" + std::to_string(pid) + "/exe", error).string();
  return exe.empty() ? "(program unknown: exited, or another user's)" : exe;
}

bool inside(const std::string& path, const fs::path& directory) {
  std::string relative = fs::path(path).lexically_relative(directory).string();
  return !relative.empty() && relative.rfind("..", 0) != 0;
}

std::string describe(const std::vector<int>& pids) {
  std::string out;
  for (int pid : pids)
    out += (out.empty() ? "" : ", ") + std::to_string(pid) + " " + executable_of(pid);
  return out;
}

// Held while one softpatch patches a process, so that builds and loads of
// two softpatch runs never interleave.
class TargetLock {
 public:
  TargetLock(const std::string& agent_directory, int pid, void (*on_wait)(int)) {
    std::string path = protocol::lock_path(agent_directory, pid);
    fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd_ >= 0 && flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      if (on_wait) on_wait(pid);
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

// Builds `edited` (the text) as the patch of `file` (the program's file).
llvm::Expected<BuiltPatch> build_with(
    const CompileCommand& command, const std::string& file, const std::string& edited,
    const std::string& root, const std::string& build_id, const std::string& output,
    std::optional<std::vector<CodeFingerprint>> running = std::nullopt,
    std::optional<std::vector<CodeFingerprint>> built_code = std::nullopt,
    const std::string& header = "",
    std::function<std::optional<std::vector<CodeFingerprint>>(const std::string&)> running_header =
        nullptr,
    int pid = 0) {
  std::string source = absolute_normal(file);
  std::string text = absolute_normal(edited);
  // The command's relative paths resolve in its own directory; this
  // process's working directory stays as it is (other threads use it).
  PatchRequest request{text,
                       source,
                       command.command,
                       command.directory,
                       root,
                       build_id,
                       output,
                       running,
                       built_code,
                       header.empty() ? "" : absolute_normal(header)};
  request.running_header = std::move(running_header);
  request.pid = pid;
  llvm::Expected<BuiltPatch> built = build_patch(request);
  if (!built && !built.errorIsA<CompileError>())  // diagnostics name the file already
    return failure((header.empty() ? file : header) + ": " + llvm::toString(built.takeError()));
  return built;
}

}  // namespace

llvm::Expected<AppliedPatch> load_into_process(int pid, const std::string& patch_file,
                                               const std::string& shown_as) {
  std::string path = absolute_normal(patch_file);
  Result<protocol::PatchReply> loaded = protocol::ask(pid, protocol::LoadRequest{path});
  if (loaded) {
    const protocol::PatchSummary& patch = loaded->patch;
    AppliedPatch applied;
    applied.number = patch.number;
    applied.project_file = patch.project_file;
    applied.functions = patch.functions;
    applied.pending = patch.state == protocol::PatchSummary::State::kPending;
    applied.warnings = std::move(loaded->warnings);
    return applied;
  }
  std::string message = agent_message(loaded.take_error());
  if (message.rfind(path + ": ", 0) == 0) message.replace(0, path.size(), shown_as);
  return failure(message);
}

llvm::Expected<FileInProcess> find_file_in_process(int pid, const std::string& source) {
  fs::path path(source);
  for (fs::path dir = path.parent_path(); !dir.empty() && dir != dir.parent_path();
       dir = dir.parent_path()) {
    std::string relative = path.lexically_relative(dir).string();
    Result<protocol::FileReply> reply = protocol::ask(pid, protocol::FileRequest{relative});
    if (reply)
      return FileInProcess{dir.string(), relative, reply->build_id, reply->code, reply->built};
    // An agent of another version knows nothing we could ask it; else the
    // file is not known under this directory: try the one above.
    if (protocol::speaks_another_version(reply.error()))
      return failure(agent_message(reply.take_error()));
  }
  return failure(source + ": not an instrumented file of process " + std::to_string(pid));
}

llvm::Expected<int> process_for_file(const std::string& file, const std::string& build_dir) {
  std::vector<int> agents = protocol::running_agents();
  if (agents.empty()) return failure(kNoRunningAgent);
  std::string source = absolute_normal(file);
  std::vector<int> having;
  std::string other_version;  // why an agent could not be asked, if one could not
  for (int pid : agents) {
    llvm::Expected<FileInProcess> found = find_file_in_process(pid, source);
    if (found) {
      having.push_back(pid);
      continue;
    }
    std::string message = llvm::toString(found.takeError());
    if (other_version.empty() && protocol::speaks_another_version(message)) other_version = message;
  }
  // The file may well run in the program whose agent could not be asked.
  if (having.empty() && !other_version.empty()) return failure(other_version);
  if (having.empty())
    return failure(file + ": not an instrumented file of any running program (" + describe(agents) +
                   ")");
  llvm::Expected<CompileCommand> command = find_compile_command(file, build_dir);
  if (!command) llvm::consumeError(command.takeError());
  if (having.size() > 1 && command) {
    fs::path build = fs::path(command->database).parent_path();
    std::vector<int> of_build;
    for (int pid : having)
      if (inside(executable_of(pid), build)) of_build.push_back(pid);
    if (!of_build.empty()) having = of_build;
  }
  if (having.size() == 1) return having.front();
  return failure(file + " runs in several programs (" + describe(having) +
                 "): choose one with --pid");
}

llvm::Error check_source_file(const std::string& file) {
  std::error_code error;
  fs::file_status status = fs::status(file, error);
  if (!fs::exists(status)) return failure(file + ": no such file");
  if (fs::is_directory(status)) return failure(file + ": a directory, not a source file");
  std::string name = fs::path(file).filename().string();
  if (name == "CMakeLists.txt" || fs::path(file).extension() == ".cmake")
    return failure(file + ": a build file: its changes need a rebuild and restart");
  if (!is_cpp_source(file) && !is_cpp_header(file))
    return failure(file + ": not a C++ source file or header (.cpp, .cc, .h, .hpp, ...)");
  return llvm::Error::success();
}

llvm::Error check_process(int pid) {
  if (pid <= 0 || (kill(pid, 0) != 0 && errno == ESRCH))
    return failure("no process " + std::to_string(pid));
  std::vector<int> agents = protocol::running_agents();
  if (std::find(agents.begin(), agents.end(), pid) == agents.end())
    return failure("process " + std::to_string(pid) + " (" + executable_of(pid) +
                   ") runs no softpatch agent: start it with SOFTPATCH_AGENT=1 in its "
                   "environment, or under softpatch run");
  return llvm::Error::success();
}

llvm::Error check_build_directory(const std::string& dir) {
  std::error_code error;
  if (!fs::is_directory(dir, error)) return failure(dir + ": no such build directory");
  if (!exists((fs::path(dir) / "compile_commands.json").string()))
    return failure(dir +
                   ": no compile_commands.json in it (softpatch_instrument() writes one; "
                   "else configure with -DCMAKE_EXPORT_COMPILE_COMMANDS=ON)");
  return llvm::Error::success();
}

std::string agent_message(Error error) {
  if (error.message.rfind("softpatch: ", 0) == 0) error.message.erase(0, 11);
  return std::move(error.message);
}

const char kNoRunningAgent[] =
    "no running program with a softpatch agent (start it with SOFTPATCH_AGENT=1, or under "
    "softpatch run)";

llvm::Expected<int> only_running_agent() {
  std::vector<int> pids = protocol::running_agents();
  if (pids.empty()) return failure(kNoRunningAgent);
  if (pids.size() == 1) return pids.front();
  return failure("several programs run a softpatch agent (" + describe(pids) +
                 "): choose one with --pid");
}

char PatchFailure::ID = 0;

namespace {

// A patch compiles its own copies of the instantiations of a header's
// templates that its code calls, and calls them directly: a later patch of
// those templates would not reach them. So a header patch that changes a
// template waits until no patch of the header, or of a file that includes
// it, is active.
llvm::Error template_copies_in_patches(int pid, const std::string& header,
                                       const std::string& build_dir, const FileInProcess& place) {
  Result<protocol::StatusReply> status = protocol::ask(pid, protocol::StatusRequest{});
  if (!status) return failure(agent_message(status.take_error()));
  std::set<std::string> holders = {place.project_file};
  llvm::Expected<CompileCommand> none =
      find_includer_command(header, build_dir, [&](const std::string& includer) {
        holders.insert(
            fs::path(absolute_normal(includer)).lexically_relative(place.project_root).string());
        return false;
      });
  if (!none) llvm::consumeError(none.takeError());
  for (const protocol::PatchSummary& patch : status->patches)
    if (patch.state != protocol::PatchSummary::State::kRolledBack &&
        holders.count(patch.project_file))
      return failure(place.project_file +
                     ": a template's edit would not reach the copies of its instantiations "
                     "that patch " +
                     std::to_string(patch.number) + " (" + patch.project_file +
                     ") compiled: roll it back first (softpatch rollback " +
                     std::to_string(patch.number) + "), or restart");
  return llvm::Error::success();
}

}  // namespace

llvm::Expected<AppliedPatch> patch_process(int pid, const std::string& file,
                                           const std::string& build_dir, void (*on_wait)(int pid)) {
  auto started = std::chrono::steady_clock::now();
  auto fail = [](PatchFailure::Stage stage, llvm::Error error) {
    return llvm::make_error<PatchFailure>(stage, llvm::toString(std::move(error)));
  };
  // A header is built into a patch from a file that includes it and runs in
  // the module the patch is bound to (the executable's, where it includes
  // the header), or in one that compiles the header as that module does:
  // another target's or library's file may be compiled otherwise (its
  // visibility, its defines).
  bool header = is_cpp_header(file);
  std::optional<FileInProcess> bound;
  if (header) {
    llvm::Expected<FileInProcess> found = find_file_in_process(pid, absolute_normal(file));
    if (!found) return fail(PatchFailure::kFind, found.takeError());
    if (found->build_id.empty())
      return fail(PatchFailure::kFind,
                  failure(file + ": the module that runs it has no GNU build id (link it with "
                                 "-Wl,--build-id)"));
    bound = std::move(*found);
  }
  auto compiles_it_as_bound = [pid, &bound](const std::string& includer) {
    llvm::Expected<FileInProcess> known = find_file_in_process(pid, includer);
    if (!known) {
      llvm::consumeError(known.takeError());
      return false;
    }
    if (known->build_id == bound->build_id) return true;
    Result<protocol::FileReply> there =
        protocol::ask(pid, protocol::FileRequest{bound->project_file, known->build_id});
    if (!there) {
      there.ignore();
      return false;
    }
    CodeChanges differences = compare(bound->code, there->code);
    return !differences.refusal && differences.none();
  };
  llvm::Expected<CompileCommand> command =
      header ? find_includer_command(file, build_dir, compiles_it_as_bound)
             : find_compile_command(file, build_dir);
  if (!command) return fail(PatchFailure::kFind, command.takeError());
  llvm::Expected<std::string> agents = expected(protocol::agent_directory());
  if (!agents) return fail(PatchFailure::kApply, agents.takeError());
  TargetLock lock(*agents, pid, on_wait);
  // Asked once the lock is ours: the code that runs is what a patch of
  // another softpatch made it.
  std::string source = absolute_normal(file);
  llvm::Expected<FileInProcess> place = find_file_in_process(pid, source);
  if (!place) return fail(PatchFailure::kFind, place.takeError());

  std::string dir = protocol::patches_directory(*agents);
  std::error_code made;
  fs::create_directories(dir, made);
  if (made) return fail(PatchFailure::kApply, failure(dir + ": " + made.message()));
  static int serial = 0;
  std::string output = dir + "/" + std::to_string(pid) + "-" + std::to_string(getpid()) + "-" +
                       std::to_string(++serial) + ".so";
  // Only the functions that differ from the build's code are compiled; the
  // others call the program's own copy.
  std::optional<std::vector<CodeFingerprint>> built_code;
  if (!place->built.empty() && !header) built_code = place->built;
  // A header's patch is built from the file that includes it.
  const std::string& built_file = header ? command->file : file;
  // A header with edits that do not run yet is patched first. What runs of
  // it is the patch's module's: a library may keep its own copies.
  auto running_header =
      [pid, module = place->build_id](
          const std::string& project_file) -> std::optional<std::vector<CodeFingerprint>> {
    Result<protocol::FileReply> reply =
        protocol::ask(pid, protocol::FileRequest{project_file, module});
    if (!reply) {
      reply.ignore();
      return std::nullopt;
    }
    return reply->code;
  };
  llvm::Expected<BuiltPatch> built =
      build_with(*command, built_file, built_file, place->project_root, place->build_id, output,
                 place->code, built_code, header ? file : "", running_header, pid);
  if (!built) {
    bool compile = built.errorIsA<CompileError>();
    return fail(compile ? PatchFailure::kBuild : PatchFailure::kApply, built.takeError());
  }
  auto built_at = std::chrono::steady_clock::now();
  if (built->path.empty()) {
    AppliedPatch nothing;
    nothing.project_file = place->project_file;
    nothing.changes = built->changes;
    nothing.seconds = nothing.build_seconds =
        std::chrono::duration<double>(built_at - started).count();
    return nothing;
  }
  if (header && built->carries_instantiations)
    if (llvm::Error held = template_copies_in_patches(pid, file, build_dir, *place))
      return fail(PatchFailure::kApply, std::move(held));
  // Errors name the source file: the patch file is ours, not the user's.
  llvm::Expected<AppliedPatch> applied = load_into_process(pid, built->path, file);
  if (!applied) return fail(PatchFailure::kApply, applied.takeError());
  auto now = std::chrono::steady_clock::now();
  applied->seconds = std::chrono::duration<double>(now - started).count();
  applied->build_seconds = std::chrono::duration<double>(built_at - started).count();
  applied->load_seconds = std::chrono::duration<double>(now - built_at).count();
  applied->changes = built->changes;
  return applied;
}

std::vector<std::string> patch_report(const std::string& shown_file, const AppliedPatch& patch) {
  if (!patch.number) return {shown_file + ": no change in the code that runs (nothing loaded)"};
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.2f", patch.seconds);
  std::string what =
      patch.changes ? describe(*patch.changes) : std::to_string(patch.functions) + " functions";
  std::vector<std::string> lines = {shown_file + " \u2192 patch " + std::to_string(patch.number) +
                                    ": " + what + " in " + seconds + " s" +
                                    (patch.pending ? " (waits for a safe point)" : "")};
  if (patch.changes)
    for (auto* notes : {&kept_value_notes, &old_closure_notes})
      for (std::string& note : (*notes)(*patch.changes)) lines.push_back(std::move(note));
  return lines;
}

llvm::Expected<BuiltPatch> build_patch_for_binary(const std::string& file,
                                                  const std::string& build_dir,
                                                  const std::string& binary, std::string root,
                                                  const std::string& output,
                                                  const std::string& edited) {
  llvm::Expected<CompileCommand> command = find_compile_command(file, build_dir);
  if (!command) return command.takeError();
  std::string build_id = elf::file_build_id(binary);
  if (build_id.empty()) return failure(binary + ": not an ELF file with a GNU build id");
  if (root.empty()) root = cmake_source_directory(command->database);
  if (root.empty())
    return failure(command->database + ": not written by CMake; give the project root (--root)");
  return build_with(*command, file, edited.empty() ? file : edited, root, build_id,
                    absolute_normal(output));
}

std::vector<std::string> files_worth_warming(const std::string& build_dir, std::size_t count) {
  std::string database = find_compile_database(build_dir.empty() ? "." : build_dir);
  if (database.empty()) return {};
  std::string root = cmake_source_directory(database);
  std::string error;
  std::unique_ptr<clang::tooling::JSONCompilationDatabase> commands =
      clang::tooling::JSONCompilationDatabase::loadFromFile(
          database, error, clang::tooling::JSONCommandLineSyntax::AutoDetect);
  if (!commands || root.empty()) return {};
  std::vector<std::pair<fs::file_time_type, std::string>> found;
  for (const std::string& file : commands->getAllFiles()) {
    std::error_code failed;
    fs::file_time_type modified = fs::last_write_time(file, failed);
    if (failed || !is_cpp_source(file) || file.rfind(root + "/", 0) != 0) continue;
    found.emplace_back(modified, file);
  }
  std::sort(found.begin(), found.end(), std::greater<>());
  std::vector<std::string> files;
  for (std::size_t i = 0; i < found.size() && i < count; ++i) files.push_back(found[i].second);
  return files;
}

llvm::Error warm_file(const std::string& file, const std::string& build_dir) {
  llvm::Expected<CompileCommand> command = find_compile_command(file, build_dir);
  if (!command) return command.takeError();
  std::string root = cmake_source_directory(command->database);
  if (root.empty()) root = fs::path(absolute_normal(file)).parent_path().string();
  std::string source = absolute_normal(file);
  return warm_patch_caches({source, source, command->command, command->directory, root, "00", "",
                            std::nullopt, std::nullopt, ""});
}

}  // namespace softpatch::driver
