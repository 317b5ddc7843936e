// GNU build ids of loaded modules, read from their PT_NOTE segments.
#include <elf.h>
#include <link.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "softpatch/loader.h"

namespace softpatch {
namespace {

struct Search {
  std::uintptr_t address;
  std::string id;
};

std::string hex(const unsigned char* bytes, std::size_t size) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < size; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 15];
  }
  return out;
}

// The NT_GNU_BUILD_ID note in one PT_NOTE segment, if there is one.
std::string build_id_in(const char* notes, std::size_t size) {
  std::size_t at = 0;
  while (at + sizeof(ElfW(Nhdr)) <= size) {
    const auto* note = reinterpret_cast<const ElfW(Nhdr)*>(notes + at);
    std::size_t name_size = (note->n_namesz + 3) & ~std::size_t{3};
    std::size_t desc_size = (note->n_descsz + 3) & ~std::size_t{3};
    const char* name = notes + at + sizeof(ElfW(Nhdr));
    if (note->n_type == NT_GNU_BUILD_ID && note->n_namesz == 4 && std::memcmp(name, "GNU", 4) == 0)
      return hex(reinterpret_cast<const unsigned char*>(name + name_size), note->n_descsz);
    at += sizeof(ElfW(Nhdr)) + name_size + desc_size;
  }
  return "";
}

int visit(dl_phdr_info* info, std::size_t, void* data) {
  auto* search = static_cast<Search*>(data);
  bool contains = false;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& segment = info->dlpi_phdr[i];
    std::uintptr_t start = info->dlpi_addr + segment.p_vaddr;
    if (segment.p_type == PT_LOAD && search->address >= start &&
        search->address < start + segment.p_memsz)
      contains = true;
  }
  if (!contains) return 0;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& segment = info->dlpi_phdr[i];
    if (segment.p_type != PT_NOTE) continue;
    search->id = build_id_in(reinterpret_cast<const char*>(info->dlpi_addr + segment.p_vaddr),
                             segment.p_memsz);
    if (!search->id.empty()) break;
  }
  return 1;
}

}  // namespace

std::string module_build_id(const void* address) {
  Search search{reinterpret_cast<std::uintptr_t>(address), ""};
  dl_iterate_phdr(&visit, &search);
  return search.id;
}

}  // namespace softpatch
