#include "softpatch/devloop/decision.h"

#include <optional>

#include "softpatch/common/source_files.h"

namespace softpatch::driver {
namespace {

bool is_build_file(const std::string& path) {
  std::size_t slash = path.rfind('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  return name == "CMakeLists.txt" ||
         (name.size() > 6 && name.compare(name.size() - 6, 6, ".cmake") == 0);
}

// Why `file` cannot be patched live; nothing when it can be tried.
std::optional<std::string> restart_reason(const ChangedFile& file, const LoopState& state) {
  if (state.no_patch) return "changed";
  if (!file.exists) return "file removed";
  if (is_cpp_header(file.path))
    return file.instrumented_header ? std::nullopt : std::optional<std::string>("header changed");
  if (is_build_file(file.path)) return "build files changed";
  if (!is_cpp_source(file.path)) return "not C++ source";
  return std::nullopt;
}

// Whether a changed `path` means the program must be compiled again.
bool needs_compiling(const std::string& path) {
  return is_cpp_source(path) || is_cpp_header(path) || is_build_file(path);
}

}  // namespace

Decision decide(const std::vector<ChangedFile>& files, const LoopState& state) {
  Decision decision;
  std::vector<const ChangedFile*> counted;
  for (const ChangedFile& file : files) {
    bool outside_the_build = !state.no_patch && state.has_compile_database && file.exists &&
                             is_cpp_source(file.path) && !file.has_compile_command;
    if (outside_the_build)
      decision.ignored.push_back(file.path);
    else
      counted.push_back(&file);
  }
  if (counted.empty()) {
    decision.action = Action::kIgnore;
    return decision;
  }
  for (const ChangedFile* file : counted) {
    std::optional<std::string> why = restart_reason(*file, state);
    if (!why) continue;
    if (decision.reason.empty()) decision.reason = *why;
    decision.files.push_back(file->path);
  }
  if (decision.reason.empty() && state.program_running) {
    for (const ChangedFile* file : counted) decision.files.push_back(file->path);
    return decision;
  }
  decision.action = Action::kRestart;
  if (decision.reason.empty()) {
    decision.reason = "not running";
    for (const ChangedFile* file : counted) decision.files.push_back(file->path);
  }
  decision.build_command = state.build_command;
  bool compile = false;
  for (const std::string& path : decision.files) compile = compile || needs_compiling(path);
  if (compile && decision.build_command.empty()) decision.action = Action::kNeedsBuild;
  return decision;
}

Action after_patch(PatchOutcome outcome) {
  return outcome == PatchOutcome::kNeedsRestart ? Action::kRestart : Action::kPatch;
}

}  // namespace softpatch::driver
