#include "softpatch/compile/compile_database.h"

#include "softpatch/common/paths.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>

#include "softpatch/compile/compile_job.h"
#include "softpatch/rewriter/instrumenter.h"

#include "clang/Tooling/JSONCompilationDatabase.h"

namespace softpatch::driver {
namespace fs = std::filesystem;
namespace {

// `dir` and its build*/ folders: where a compile_commands.json may be.
void add_with_build_folders(const fs::path& dir, std::vector<fs::path>& out) {
  out.push_back(dir);
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error))
    if (entry.is_directory(error) && entry.path().filename().string().rfind("build", 0) == 0)
      out.push_back(entry.path());
}

// compile_commands.json candidates for `file`, nearest first.
std::vector<fs::path> candidates(const fs::path& file) {
  std::vector<fs::path> out;
  for (fs::path dir = file.parent_path(); !dir.empty(); dir = dir.parent_path()) {
    add_with_build_folders(dir, out);
    if (dir == dir.parent_path()) break;
  }
  return out;
}

// The first command that `choose` picks from a compile database where
// find_compile_command looks for `file`'s (nearest first, or -p's only).
std::optional<CompileCommand> first_chosen(
    const fs::path& file, const std::string& build_dir,
    const std::function<std::optional<CompileCommand>(const clang::tooling::CompilationDatabase&,
                                                      const std::string& database)>& choose) {
  std::vector<fs::path> dirs =
      build_dir.empty() ? candidates(file) : std::vector<fs::path>{fs::path(build_dir)};
  for (const fs::path& dir : dirs) {
    if (!exists((dir / "compile_commands.json").string())) continue;
    std::string error;
    auto database = clang::tooling::JSONCompilationDatabase::loadFromDirectory(dir.string(), error);
    if (!database) continue;
    if (std::optional<CompileCommand> chosen =
            choose(*database, absolute_normal((dir / "compile_commands.json").string())))
      return chosen;
  }
  return std::nullopt;
}

}  // namespace

llvm::Expected<CompileCommand> find_compile_command(const std::string& file,
                                                    const std::string& build_dir) {
  fs::path absolute = fs::path(absolute_normal(file));
  std::optional<CompileCommand> found =
      first_chosen(absolute, build_dir,
                   [&](const clang::tooling::CompilationDatabase& database,
                       const std::string& path) -> std::optional<CompileCommand> {
                     for (const clang::tooling::CompileCommand& c :
                          database.getCompileCommands(absolute.string()))
                       return CompileCommand{c.Directory, c.CommandLine, path, absolute.string()};
                     return std::nullopt;
                   });
  if (found) return *found;
  return llvm::createStringError(
      llvm::inconvertibleErrorCode(),
      file + ": no compile command in " +
          (build_dir.empty() ? std::string("any compile_commands.json above it")
                             : build_dir + "/compile_commands.json") +
          " (is it built with softpatch_instrument?)");
}

llvm::Expected<CompileCommand> find_includer_command(
    const std::string& header, const std::string& build_dir,
    const std::function<bool(const std::string& file)>& usable) {
  fs::path absolute = fs::path(absolute_normal(header));
  // The rewriter knows a header by its real path.
  std::error_code unresolved;
  fs::path real = fs::canonical(absolute, unresolved);
  std::string copy_name =
      rewriter::shadow_file_name(unresolved ? absolute.string() : real.string());
  std::size_t unusable = 0;  // files that instrument it, none of them usable
  std::optional<CompileCommand> found = first_chosen(
      absolute, build_dir,
      [&](const clang::tooling::CompilationDatabase& database,
          const std::string& path) -> std::optional<CompileCommand> {
        std::vector<std::pair<std::uintmax_t, CompileCommand>> includers;
        for (const clang::tooling::CompileCommand& c : database.getAllCompileCommands()) {
          std::optional<CompileJob> job = CompileJob::from_command(c.CommandLine);
          if (!job) continue;
          fs::path copies = fs::path(c.Directory) / job->header_copies();
          std::error_code missing;
          if (!fs::exists(copies / copy_name, missing)) continue;
          std::string file = absolute_normal((fs::path(c.Directory) / c.Filename).string());
          std::uintmax_t size = fs::file_size(file, missing);
          if (!missing) includers.push_back({size, {c.Directory, c.CommandLine, path, file}});
        }
        unusable += includers.size();
        std::stable_sort(includers.begin(), includers.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
        for (auto& [size, command] : includers)
          if (!usable || usable(command.file)) return std::move(command);
        return std::nullopt;
      });
  if (found) return *found;
  if (unusable)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        header + ": " + std::to_string(unusable) +
            " files of the build instrument it, and none of them runs in the program's module "
            "that its patch is for, or in one that compiles it alike (a file of another target "
            "or library, or the program is older than the build)");
  return llvm::createStringError(
      llvm::inconvertibleErrorCode(),
      header + ": no file of the build instruments it (" +
          (build_dir.empty() ? std::string("searched every compile_commands.json above it")
                             : "searched " + build_dir + "/compile_commands.json") +
          "): not included by an instrumented file, or it keeps its text there (its functions "
          "are listed as skipped by softpatch-rewrite --explain on a file that includes it)");
}

std::string cmake_source_directory(const std::string& database) {
  std::ifstream cache(fs::path(database).parent_path() / "CMakeCache.txt");
  const std::string key = "CMAKE_HOME_DIRECTORY:INTERNAL=";
  for (std::string line; std::getline(cache, line);)
    if (line.rfind(key, 0) == 0) return line.substr(key.size());
  return "";
}

std::string find_compile_database(const std::string& directory) {
  std::vector<fs::path> dirs;
  add_with_build_folders(fs::path(absolute_normal(directory)), dirs);
  for (const fs::path& dir : dirs)
    if (exists((dir / "compile_commands.json").string()))
      return (dir / "compile_commands.json").lexically_normal().string();
  return "";
}

}  // namespace softpatch::driver
