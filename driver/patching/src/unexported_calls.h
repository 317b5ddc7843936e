// A patch's calls to functions that the program's module defines but does
// not export: those of a project built with hidden visibility (fmt's
// `-fvisibility=hidden`), or a static library's that the link kept local.
// The dynamic linker cannot bind them, so the patch gets a definition of
// each of its own: a jump through a cell that holds the function's address
// in the process (the program's code, trampoline and all, so a patch of
// that function runs too).
//
//   if (llvm::Error e = reach_unexported_functions(pid, build_id, so, command, dir)) ...
#ifndef SOFTPATCH_PATCHING_UNEXPORTED_CALLS_H
#define SOFTPATCH_PATCHING_UNEXPORTED_CALLS_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "llvm/Support/Error.h"

namespace softpatch::driver {

// A module mapped in a process: its file, and how far its addresses are
// moved from the file's (0 for an executable that is not position
// independent).
struct ModuleInProcess {
  std::string path;
  std::uint64_t bias = 0;
};

// The module of process `pid` whose GNU build id is `build_id`.
std::optional<ModuleInProcess> module_with_build_id(int pid, const std::string& build_id);

// The assembly that defines each of `needed` ({mangled name, address in the
// module's file}) as a jump to that address moved by `bias`.
std::string jumps_to(const std::vector<std::pair<std::string, std::uint64_t>>& needed,
                     std::uint64_t bias);

// Builds the patch `patch` again with `command` (the one that built it,
// run in `directory`) and a jump to each function it needs that the module
// of process `pid` with `build_id` defines without exporting; does nothing
// when it needs none, or the module cannot be read (the loader then says
// which symbol the program does not define).
llvm::Error reach_unexported_functions(int pid, const std::string& build_id,
                                       const std::string& patch,
                                       const std::vector<std::string>& command,
                                       const std::string& directory);

}  // namespace softpatch::driver

#endif  // SOFTPATCH_PATCHING_UNEXPORTED_CALLS_H
