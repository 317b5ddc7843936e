// The function an address of a mapped ELF file falls in, from the file's
// symbol tables (.symtab when it has one, so `static` functions too, else
// .dynsym): for naming the frames of a crash after the process is gone.
//
//   std::optional<FunctionAt> f = softpatch::elf::function_at("build/app", 0x1234);
//   if (f) std::printf("%s+0x%llx\n", f->name.c_str(), (unsigned long long)f->offset);
#ifndef SOFTPATCH_ELF_SYMBOLS_H
#define SOFTPATCH_ELF_SYMBOLS_H

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace softpatch::elf {

struct FunctionAt {
  std::string name;          // as the symbol table spells it (mangled)
  std::uint64_t offset = 0;  // of the address from the function's start
};

// The function holding the byte at `file_offset` of the ELF image `image`
// (`size` bytes, native class and byte order), or nothing when no function
// symbol covers it (a symbol without a size covers what follows it up to
// the next sized function). Trusts nothing in the image.
std::optional<FunctionAt> function_in_image(const char* image, std::size_t size,
                                            std::uint64_t file_offset);

// The same, of the ELF file at `path`.
std::optional<FunctionAt> function_at(const std::string& path, std::uint64_t file_offset);

// A symbol the ELF file at `path` defines without exporting it.
struct UnexportedSymbol {
  std::uint64_t address = 0;  // in the file (before the module is moved)
  bool variable = false;      // an object, else a function
};

// The C++ functions and variables (mangled names) that the ELF file at
// `path` defined with external linkage and hidden visibility, which its
// link kept local (listed after .symtab's unnamed file entry, or hidden),
// by name. Names of internal linkage (`_ZL…`, an anonymous namespace's) and
// names defined twice are left out; names that are no C++ names are kept
// only when `also` says so. Nothing when it has no .symtab (stripped), or
// is no ELF file of this machine.
std::optional<std::map<std::string, UnexportedSymbol>> unexported_symbols(
    const std::string& path, const std::function<bool(std::string_view)>& also = nullptr);

// The names that the ELF file at `path` (a shared object) needs another
// module to define: its .dynsym's undefined symbols.
std::vector<std::string> undefined_symbols(const std::string& path);

// The variables that the ELF file at `path` (a shared object) defines in
// writable memory and exports: its .dynsym's.
std::vector<std::string> exported_writable_variables(const std::string& path);

// The address that the segment of the ELF file at `path` loaded from its
// first byte is linked at (0 for a position-independent file's), or
// nothing when it is no ELF file of this machine.
std::optional<std::uint64_t> first_segment_address(const std::string& path);

}  // namespace softpatch::elf

#endif  // SOFTPATCH_ELF_SYMBOLS_H
