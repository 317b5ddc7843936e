// Function symbols of ELF files, looked up by file offset.
#include "softpatch/elf/symbols.h"

#include <elf.h>
#include <link.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string_view>

#include "mapped_file.h"

namespace softpatch::elf {
namespace {

// A view of an ELF image that checks every offset it follows.
class Image {
 public:
  Image(const char* data, std::size_t size) : data_(data), size_(size) {}

  template <class T>
  const T* at(std::uint64_t offset, std::uint64_t count = 1) const {
    if (offset > size_ || count > (size_ - offset) / sizeof(T)) return nullptr;
    if ((reinterpret_cast<std::uintptr_t>(data_) + offset) % alignof(T)) return nullptr;
    return reinterpret_cast<const T*>(data_ + offset);
  }
  // A NUL-terminated string at `offset` of the string table `table`.
  const char* string(const ElfW(Shdr) & table, std::uint64_t offset) const {
    if (offset >= table.sh_size) return nullptr;
    const char* start = at<char>(table.sh_offset, table.sh_size);
    if (!start) return nullptr;
    const void* end = std::memchr(start + offset, 0, table.sh_size - offset);
    return end ? start + offset : nullptr;
  }

 private:
  const char* data_;
  std::size_t size_;
};

// The virtual address that file offset `offset` is loaded at.
std::optional<std::uint64_t> address_of(const Image& image, const ElfW(Ehdr) & header,
                                        std::uint64_t offset) {
  const auto* segments = image.at<ElfW(Phdr)>(header.e_phoff, header.e_phnum);
  if (!segments || header.e_phentsize != sizeof(ElfW(Phdr))) return std::nullopt;
  for (std::size_t i = 0; i < header.e_phnum; ++i) {
    const ElfW(Phdr)& s = segments[i];
    if (s.p_type == PT_LOAD && offset >= s.p_offset && offset - s.p_offset < s.p_filesz)
      return s.p_vaddr + (offset - s.p_offset);
  }
  return std::nullopt;
}

bool is_function(const ElfW(Sym) & symbol) {
  unsigned type = ELF64_ST_TYPE(symbol.st_info);
  return (type == STT_FUNC || type == STT_GNU_IFUNC) && symbol.st_shndx != SHN_UNDEF;
}

// The function of symbol table `table` holding `address`: one whose extent
// covers it, else the nearest below it that has no size (hand-written
// assembly) when no sized function lies between them.
std::optional<FunctionAt> function_in_table(const Image& image, const ElfW(Shdr) * sections,
                                            std::size_t count, const ElfW(Shdr) & table,
                                            std::uint64_t address) {
  if (table.sh_entsize != sizeof(ElfW(Sym)) || table.sh_link >= count) return std::nullopt;
  const auto* symbols = image.at<ElfW(Sym)>(table.sh_offset, table.sh_size / sizeof(ElfW(Sym)));
  if (!symbols) return std::nullopt;
  const ElfW(Sym)* best = nullptr;
  std::uint64_t fence = 0;  // the end of the last sized function below the address
  bool covered = false;
  for (std::size_t i = 0; i < table.sh_size / sizeof(ElfW(Sym)); ++i) {
    const ElfW(Sym)& s = symbols[i];
    if (!is_function(s) || s.st_value > address) continue;
    if (s.st_size && address - s.st_value < s.st_size) {
      best = &s;
      covered = true;
      break;
    }
    if (s.st_size)
      fence = std::max<std::uint64_t>(fence, s.st_value + s.st_size);
    else if (!best || s.st_value > best->st_value)
      best = &s;
  }
  if (!best || (!covered && best->st_value < fence)) return std::nullopt;
  const char* name = image.string(sections[table.sh_link], best->st_name);
  if (!name || !*name) return std::nullopt;
  return FunctionAt{name, address - best->st_value};
}

}  // namespace

std::optional<FunctionAt> function_in_image(const char* data, std::size_t size,
                                            std::uint64_t file_offset) {
  Image image(data, size);
  const auto* header = image.at<ElfW(Ehdr)>(0);
  if (!header || std::memcmp(header->e_ident, ELFMAG, SELFMAG) != 0 ||
      header->e_ident[EI_CLASS] != (sizeof(void*) == 8 ? ELFCLASS64 : ELFCLASS32) ||
      header->e_shentsize != sizeof(ElfW(Shdr)))
    return std::nullopt;
  std::optional<std::uint64_t> address = address_of(image, *header, file_offset);
  const auto* sections = image.at<ElfW(Shdr)>(header->e_shoff, header->e_shnum);
  if (!address || !sections) return std::nullopt;
  for (unsigned type : {SHT_SYMTAB, SHT_DYNSYM})
    for (std::size_t i = 0; i < header->e_shnum; ++i)
      if (sections[i].sh_type == type)
        if (std::optional<FunctionAt> found =
                function_in_table(image, sections, header->e_shnum, sections[i], *address))
          return found;
  return std::nullopt;
}

namespace {

// Calls `each(symbol, name)` for every symbol of `path`'s sections of
// `type` (SHT_SYMTAB or SHT_DYNSYM). False when the file is no ELF file of
// this machine's class.
template <class Each>
bool for_each_symbol(const std::string& path, unsigned type, Each each) {
  MappedFile file(path);
  if (!file.data()) return false;
  Image image(file.data(), file.size());
  const auto* header = image.at<ElfW(Ehdr)>(0);
  if (!header || std::memcmp(header->e_ident, ELFMAG, SELFMAG) != 0 ||
      header->e_ident[EI_CLASS] != (sizeof(void*) == 8 ? ELFCLASS64 : ELFCLASS32) ||
      header->e_shentsize != sizeof(ElfW(Shdr)))
    return false;
  const auto* sections = image.at<ElfW(Shdr)>(header->e_shoff, header->e_shnum);
  if (!sections) return false;
  for (std::size_t i = 0; i < header->e_shnum; ++i) {
    const ElfW(Shdr)& table = sections[i];
    if (table.sh_type != type || table.sh_entsize != sizeof(ElfW(Sym)) ||
        table.sh_link >= header->e_shnum)
      continue;
    const auto* symbols = image.at<ElfW(Sym)>(table.sh_offset, table.sh_size / sizeof(ElfW(Sym)));
    if (!symbols) continue;
    for (std::size_t s = 0; s < table.sh_size / sizeof(ElfW(Sym)); ++s)
      if (const char* name = image.string(sections[table.sh_link], symbols[s].st_name))
        each(symbols[s], name);
  }
  return true;
}

}  // namespace

std::optional<std::map<std::string, UnexportedSymbol>> unexported_symbols(
    const std::string& path, const std::function<bool(std::string_view)>& also) {
  std::map<std::string, UnexportedSymbol> symbols;
  std::map<std::string, int> definitions;
  bool after_unnamed_file = false;
  bool has_table = false;  // a table has its null symbol at least
  bool elf = for_each_symbol(path, SHT_SYMTAB, [&](const ElfW(Sym) & symbol, const char* name) {
    has_table = true;
    unsigned type = ELF64_ST_TYPE(symbol.st_info);
    // The link lists the globals it made local after a file entry of no name.
    if (type == STT_FILE) after_unnamed_file = *name == '\0';
    if (type != STT_FUNC && type != STT_OBJECT) return;
    if (symbol.st_shndx == SHN_UNDEF || symbol.st_shndx == SHN_ABS) return;
    std::string_view mangled(name);
    bool cxx = mangled.rfind("_Z", 0) == 0 && mangled.rfind("_ZL", 0) != 0 &&
               mangled.find("_GLOBAL__N_") == std::string_view::npos;
    if (!cxx && !(also && also(mangled))) return;
    bool hidden = ELF64_ST_VISIBILITY(symbol.st_other) == STV_HIDDEN;
    bool demoted = ELF64_ST_BIND(symbol.st_info) == STB_LOCAL && after_unnamed_file;
    if (++definitions[name] > 1 || !(hidden || demoted)) {
      symbols.erase(name);
      return;
    }
    symbols.emplace(name, UnexportedSymbol{symbol.st_value, type == STT_OBJECT});
  });
  if (!elf || !has_table) return std::nullopt;
  return symbols;
}

std::vector<std::string> undefined_symbols(const std::string& path) {
  std::vector<std::string> names;
  for_each_symbol(path, SHT_DYNSYM, [&](const ElfW(Sym) & symbol, const char* name) {
    if (*name && symbol.st_shndx == SHN_UNDEF) names.push_back(name);
  });
  return names;
}

std::vector<std::string> exported_writable_variables(const std::string& path) {
  std::vector<std::string> names;
  MappedFile file(path);
  if (!file.data()) return names;
  Image image(file.data(), file.size());
  const auto* header = image.at<ElfW(Ehdr)>(0);
  if (!header) return names;
  const auto* sections = image.at<ElfW(Shdr)>(header->e_shoff, header->e_shnum);
  if (!sections) return names;
  for_each_symbol(path, SHT_DYNSYM, [&](const ElfW(Sym) & symbol, const char* name) {
    if (!*name || ELF64_ST_TYPE(symbol.st_info) != STT_OBJECT || symbol.st_shndx == SHN_UNDEF ||
        symbol.st_shndx >= header->e_shnum)
      return;
    if (sections[symbol.st_shndx].sh_flags & SHF_WRITE) names.push_back(name);
  });
  return names;
}

std::optional<std::uint64_t> first_segment_address(const std::string& path) {
  MappedFile file(path);
  if (!file.data()) return std::nullopt;
  Image image(file.data(), file.size());
  const auto* header = image.at<ElfW(Ehdr)>(0);
  if (!header || std::memcmp(header->e_ident, ELFMAG, SELFMAG) != 0 ||
      header->e_phentsize != sizeof(ElfW(Phdr)))
    return std::nullopt;
  const auto* segments = image.at<ElfW(Phdr)>(header->e_phoff, header->e_phnum);
  if (!segments) return std::nullopt;
  for (std::size_t i = 0; i < header->e_phnum; ++i)
    if (segments[i].p_type == PT_LOAD && segments[i].p_offset == 0)
      return segments[i].p_vaddr & ~(static_cast<std::uint64_t>(getpagesize()) - 1);
  return std::nullopt;
}

std::optional<FunctionAt> function_at(const std::string& path, std::uint64_t file_offset) {
  MappedFile file(path);
  if (!file.data()) return std::nullopt;
  return function_in_image(file.data(), file.size(), file_offset);
}

}  // namespace softpatch::elf
