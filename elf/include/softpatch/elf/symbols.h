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
#include <map>
#include <optional>
#include <string>
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

// The functions the ELF file at `path` defines without exporting them
// (`static`, hidden visibility, kept local by the link), by name, from its
// .symtab, at their addresses in the file (before relocation); a name
// defined twice is left out. Empty when it has no .symtab.
std::map<std::string, std::uint64_t> unexported_functions(const std::string& path);

// The symbols the ELF file at `path` (a shared object) needs from others:
// its .dynsym's undefined, non-weak ones.
std::vector<std::string> undefined_symbols(const std::string& path);

// Whether the ELF file at `path` is position-independent (its addresses are
// relative to where it is loaded).
bool is_position_independent(const std::string& path);

}  // namespace softpatch::elf

#endif  // SOFTPATCH_ELF_SYMBOLS_H
