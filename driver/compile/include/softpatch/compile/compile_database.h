// Finding a file's compile command: compile_commands.json in -p BUILD_DIR,
// or else from the file's directory upwards, there and in its build*/
// folders, as Clang tools do.
#ifndef SOFTPATCH_COMPILE_COMPILE_DATABASE_H
#define SOFTPATCH_COMPILE_COMPILE_DATABASE_H

#include <functional>
#include <string>
#include <vector>

#include "llvm/Support/Error.h"

namespace softpatch::driver {

struct CompileCommand {
  std::string directory;             // to run it in
  std::vector<std::string> command;  // compiler first
  std::string database;              // the compile_commands.json it came from
  std::string file;                  // the source it compiles (absolute)
};

llvm::Expected<CompileCommand> find_compile_command(const std::string& file,
                                                    const std::string& build_dir);

// The compile command of a file of the build that instruments `header`:
// whose copies of the project's headers (CompileJob::header_copies) hold
// one of it, and that `usable` accepts when given (a file of the running
// program, say); the smallest such file, whose compile is the quickest.
// Found where find_compile_command looks for the header's directory.
llvm::Expected<CompileCommand> find_includer_command(
    const std::string& header, const std::string& build_dir,
    const std::function<bool(const std::string& file)>& usable = nullptr);

// The source directory of the CMake build that wrote `database` (its
// CMakeCache.txt), or "" for another build system.
std::string cmake_source_directory(const std::string& database);

// compile_commands.json in `directory` or in one of its build*/ folders
// (absolute path), or "".
std::string find_compile_database(const std::string& directory);

}  // namespace softpatch::driver

#endif  // SOFTPATCH_COMPILE_COMPILE_DATABASE_H
