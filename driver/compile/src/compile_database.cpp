#include "softpatch/compile/compile_database.h"

#include "softpatch/common/paths.h"

#include <filesystem>
#include <fstream>

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

}  // namespace

llvm::Expected<CompileCommand> find_compile_command(const std::string& file,
                                                    const std::string& build_dir) {
  fs::path absolute = fs::path(absolute_normal(file));
  std::vector<fs::path> dirs =
      build_dir.empty() ? candidates(absolute) : std::vector<fs::path>{fs::path(build_dir)};
  for (const fs::path& dir : dirs) {
    if (!exists((dir / "compile_commands.json").string())) continue;
    std::string error;
    auto database = clang::tooling::JSONCompilationDatabase::loadFromDirectory(dir.string(), error);
    if (!database) continue;
    for (const clang::tooling::CompileCommand& c :
         database->getCompileCommands(absolute.string())) {
      return CompileCommand{c.Directory, c.CommandLine,
                            absolute_normal((dir / "compile_commands.json").string())};
    }
  }
  return llvm::createStringError(
      llvm::inconvertibleErrorCode(),
      file + ": no compile command in " +
          (build_dir.empty() ? std::string("any compile_commands.json above it")
                             : build_dir + "/compile_commands.json") +
          " (is it built with softpatch_instrument?)");
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
