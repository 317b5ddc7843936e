#include "unexported_symbols.h"

#include <cxxabi.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "softpatch/common/subprocess.h"
#include "softpatch/elf/build_id.h"
#include "softpatch/rewriter/patcher.h"

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
    std::optional<std::uint64_t> linked = elf::first_segment_address(path);
    if (!linked) return std::nullopt;
    return ModuleInProcess{path, std::strtoull(range.c_str(), nullptr, 16) - *linked};
  }
  return std::nullopt;
}

UnexportedSymbols unexported_symbols_of(int pid, const std::string& build_id) {
  UnexportedSymbols unexported;
  if (pid <= 0) {
    unexported.unreadable = "there is no process to read its module from";
    return unexported;
  }
  std::optional<ModuleInProcess> module = module_with_build_id(pid, build_id);
  if (!module) {
    unexported.unreadable = "process " + std::to_string(pid) + " has no module of build id " +
                            build_id + " mapped from a file";
    return unexported;
  }
  unexported.module = *module;
  auto header_slot = [](std::string_view name) {
    return rewriter::bound_header_slot_symbol(llvm::StringRef(name.data(), name.size()))
        .has_value();
  };
  if (auto symbols = elf::unexported_symbols(module->path, header_slot))
    unexported.symbols = std::move(*symbols);
  else
    unexported.unreadable = module->path + " has no symbol table (stripped?)";
  return unexported;
}

std::optional<std::set<std::string>> hidden_header_slots(const UnexportedSymbols& unexported) {
  if (!unexported.unreadable.empty()) return std::nullopt;
  std::set<std::string> slots;
  for (const auto& [name, symbol] : unexported.symbols)
    if (symbol.variable && rewriter::bound_header_slot_symbol(name)) slots.insert(name);
  return slots;
}

llvm::Error build_unexported_symbols_library(UnexportedSymbols& unexported, const std::string& path,
                                             const std::vector<std::string>& command,
                                             const std::string& directory) {
  if (unexported.symbols.empty()) return llvm::Error::success();
  std::string script = path + ".ld";
  {
    std::ofstream out(script, std::ios::trunc);
    auto define = [&](const std::string& name, std::uint64_t address) {
      char text[32];
      std::snprintf(text, sizeof text, "0x%" PRIx64, address + unexported.module.bias);
      out << '"' << name << "\" = " << text << ";\n";
    };
    // A header slot is reached by its bound name only (no patch names it
    // by its own: that one is the patch's).
    for (const auto& [name, symbol] : unexported.symbols)
      define(rewriter::bound_header_slot_symbol(name).value_or(name), symbol.address);
    if (!out)
      return llvm::createStringError(llvm::inconvertibleErrorCode(), "cannot write " + script);
  }
  // An empty translation unit gives the library its headers.
  ProcessResult built = run_process({command.front(), "-shared", "-fPIC", "-nostdlib", "-o", path,
                                     "-x", "c++", "/dev/null", "-x", "none", script},
                                    Stderr::kCapture, directory);
  std::remove(script.c_str());
  if (built.status != 0)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   path + ": cannot be built: " + built.error_text);
  unexported.library = path;
  return llvm::Error::success();
}

namespace {

std::string demangled(const std::string& name) {
  int status = 0;
  char* readable = abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status);
  std::string shown = status == 0 && readable ? readable : name;
  std::free(readable);
  return shown;
}

}  // namespace

std::optional<std::string> unreachable_hidden_code(
    const std::string& patch, const UnexportedSymbols& unexported,
    const std::map<std::string, std::string>& bound_slots, bool hidden_by_default) {
  // Read, the module's symbols define every bound name the rewriter used.
  if (unexported.unreadable.empty()) return std::nullopt;
  std::string module = unexported.module.path.empty() ? "its module" : unexported.module.path;
  std::vector<std::string> needed = elf::undefined_symbols(patch);
  std::set<std::string> undefined(needed.begin(), needed.end());
  std::vector<std::string> unreached;
  for (const auto& [symbol, function] : bound_slots)
    if (undefined.count(symbol)) unreached.push_back(function);
  if (!unreached.empty()) {
    std::string names = unreached.front();
    for (std::size_t i = 1; i < unreached.size(); ++i) names += ", " + unreached[i];
    return names +
           (unreached.size() == 1 ? " has a copy of its own" : " have copies of their own") +
           " in " + module + " (hidden visibility), which the patch calls and softpatch cannot " +
           "find: " + unexported.unreadable + "; restart needed";
  }
  if (!hidden_by_default) return std::nullopt;
  // What the module exports it does not hide; vtables and type_info are no
  // state. The rest may be a variable the module keeps hidden (an inline
  // one, a static local of an inline function, a template's slot).
  std::vector<std::string> listed = unexported.module.path.empty()
                                        ? std::vector<std::string>()
                                        : elf::exported_writable_variables(unexported.module.path);
  std::set<std::string> exported(listed.begin(), listed.end());
  for (const std::string& name : elf::exported_writable_variables(patch)) {
    bool own = name == "softpatch_manifest" || rewriter::bound_header_slot_symbol(name);
    if (own || exported.count(name) || name.rfind("_ZT", 0) == 0) continue;
    return demangled(name) + " may be hidden in " + module +
           " (hidden visibility), which softpatch cannot tell: " + unexported.unreadable +
           "; the patch would then have a second copy of it: restart needed";
  }
  return std::nullopt;
}

std::optional<std::string> second_copy_of_hidden_variable(
    const std::string& patch, const std::map<std::string, elf::UnexportedSymbol>& hidden) {
  if (hidden.empty()) return std::nullopt;
  for (const std::string& name : elf::exported_writable_variables(patch)) {
    auto found = hidden.find(name);
    if (found == hidden.end() || !found->second.variable) continue;
    return demangled(name) +
           " is hidden in the program (hidden visibility): the patch would have a second copy of "
           "it; restart needed";
  }
  return std::nullopt;
}

}  // namespace softpatch::driver
