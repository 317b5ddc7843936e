// What a patch needs of its program's module that the module defines but
// does not export: the functions and variables of a project built with
// hidden visibility (fmt's `-fvisibility=hidden`), which its link kept
// local. The dynamic linker cannot bind the patch to them, so the patch is
// linked against a shared object of softpatch's that defines each of them
// as an absolute symbol: its address in the process. The patch then calls
// the program's code (trampoline and all, so a patch of it runs too), and
// `&f` is the program's `&f`.
//
//   UnexportedSymbols u = unexported_symbols_of(pid, build_id);
//   options.hidden_header_slots = hidden_header_slots(u);  // before the rewrite
//   if (llvm::Error e = build_unexported_symbols_library(u, path, command, dir)) ...;
//   if (!u.library.empty()) link the patch with it too;
#ifndef SOFTPATCH_PATCHING_UNEXPORTED_SYMBOLS_H
#define SOFTPATCH_PATCHING_UNEXPORTED_SYMBOLS_H

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "llvm/Support/Error.h"
#include "softpatch/elf/symbols.h"

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

// The unexported symbols of a module, and the shared object that defines
// them at their addresses in the process ("" when there are none, or
// before build_unexported_symbols_library).
struct UnexportedSymbols {
  ModuleInProcess module;
  std::map<std::string, elf::UnexportedSymbol> symbols;
  std::string library;
  std::string unreadable;  // why `symbols` could not be read ("" when they were)
};

// The unexported symbols of the module of process `pid` with `build_id`:
// none when the module has none; none, with `unreadable` saying why, when
// there is no process yet or the module cannot be read (stripped):
// unreachable_hidden_code() then refuses what only those symbols could bind.
UnexportedSymbols unexported_symbols_of(int pid, const std::string& build_id);

// The slots of header functions among them: the module's own, which a
// patch reaches under another name (rewriter::bound_header_slot_symbol).
// Nothing when they could not be read.
std::optional<std::set<std::string>> hidden_header_slots(const UnexportedSymbols& unexported);

// Why the built patch at `patch` cannot run as its source says, given the
// module's unexported symbols (and the library that defines them): it calls
// a header function that the module keeps a copy of its own of
// (`bound_slots`, PatchSource::bound_slots), and nothing defines that copy's
// slot; or, the module's symbols unreadable and its file compiled with
// hidden visibility (`hidden_by_default`), it has a copy of a variable the
// module may keep hidden. Nothing when it can.
std::optional<std::string> unreachable_hidden_code(
    const std::string& patch, const UnexportedSymbols& unexported,
    const std::map<std::string, std::string>& bound_slots, bool hidden_by_default);

// Builds their library at `path` with the compiler of `command`, defining
// each header slot under its bound name, and names it in
// `unexported.library` (nothing to build when there are none).
llvm::Error build_unexported_symbols_library(UnexportedSymbols& unexported, const std::string& path,
                                             const std::vector<std::string>& command,
                                             const std::string& directory);

// Why the built patch at `patch` cannot share a variable with its module,
// whose unexported symbols are `hidden`: it defines, writable, one the
// module keeps hidden (an inline variable, a template's static member, an
// inline function's static variable of a project built with hidden
// visibility), so it would have a second copy of its own; or nothing.
std::optional<std::string> second_copy_of_hidden_variable(
    const std::string& patch, const std::map<std::string, elf::UnexportedSymbol>& hidden);

}  // namespace softpatch::driver

#endif  // SOFTPATCH_PATCHING_UNEXPORTED_SYMBOLS_H
