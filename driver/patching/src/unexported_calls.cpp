#include "unexported_calls.h"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "softpatch/common/subprocess.h"
#include "softpatch/elf/build_id.h"
#include "softpatch/elf/symbols.h"

namespace softpatch::driver {

std::optional<ModuleInProcess> module_with_build_id(int pid, const std::string& build_id) {
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  std::map<std::string, bool> matches;  // path -> its build id is `build_id`
  for (std::string line; std::getline(maps, line);) {
    std::istringstream fields(line);
    std::string range, permissions, offset, device, inode, path;
    fields >> range >> permissions >> offset >> device >> inode;
    std::getline(fields >> std::ws, path);
    if (path.empty() || path[0] != '/' || std::strtoull(offset.c_str(), nullptr, 16) != 0) continue;
    auto [known, fresh] = matches.emplace(path, false);
    if (fresh) known->second = elf::file_build_id(path) == build_id;
    if (!known->second) continue;
    // A position-independent module's first segment is linked at 0.
    std::uint64_t start = std::strtoull(range.c_str(), nullptr, 16);
    return ModuleInProcess{path, elf::is_position_independent(path) ? start : 0};
  }
  return std::nullopt;
}

std::string jumps_to(const std::vector<std::pair<std::string, std::uint64_t>>& needed,
                     std::uint64_t bias) {
  std::string text = "  .text\n";
  for (std::size_t i = 0; i < needed.size(); ++i) {
    const std::string name = "\"" + needed[i].first + "\"";
    char address[32];
    std::snprintf(address, sizeof address, "0x%" PRIx64, needed[i].second + bias);
    std::string cell = ".Lsoftpatch_address" + std::to_string(i);
    text += "  .globl " + name + "\n  .hidden " + name + "\n  .type " + name + ", @function\n" +
            name + ":\n  jmp *" + cell + "(%rip)\n  .section .rodata\n" + "  .balign 8\n" + cell +
            ":\n  .quad " + address + "\n  .text\n";
  }
  return text + "  .section .note.GNU-stack,\"\",@progbits\n";
}

llvm::Error reach_unexported_functions(int pid, const std::string& build_id,
                                       const std::string& patch,
                                       const std::vector<std::string>& command,
                                       const std::string& directory) {
  if (pid <= 0) return llvm::Error::success();
  std::vector<std::string> undefined = elf::undefined_symbols(patch);
  if (undefined.empty()) return llvm::Error::success();
  std::optional<ModuleInProcess> module = module_with_build_id(pid, build_id);
  if (!module) return llvm::Error::success();
  std::map<std::string, std::uint64_t> unexported = elf::unexported_functions(module->path);
  std::vector<std::pair<std::string, std::uint64_t>> needed;
  for (const std::string& name : undefined)
    if (auto found = unexported.find(name); found != unexported.end()) needed.push_back(*found);
  if (needed.empty()) return llvm::Error::success();
  std::string assembly = patch + ".jumps.s", object = patch + ".jumps.o";
  {
    std::ofstream out(assembly, std::ios::trunc);
    out << jumps_to(needed, module->bias);
    if (!out)
      return llvm::createStringError(llvm::inconvertibleErrorCode(), "cannot write " + assembly);
  }
  ProcessResult assembled =
      run_process({command.front(), "-c", assembly, "-o", object}, Stderr::kCapture, directory);
  if (assembled.status != 0)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   assembly + ": " + assembled.error_text);
  // `-x none`: the object is no source of the language the command names.
  std::vector<std::string> again = command;
  again.insert(again.end(), {"-x", "none", object});
  ProcessResult rebuilt = run_process(again, Stderr::kCapture, directory);
  if (rebuilt.status != 0)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   patch + ": " + rebuilt.error_text);
  return llvm::Error::success();
}

}  // namespace softpatch::driver
