// GNU build ids, read from PT_NOTE segments.
#include <elf.h>
#include <link.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "softpatch/elf/build_id.h"

#include "mapped_file.h"

namespace softpatch::elf {
namespace {

std::string hex(const unsigned char* bytes, std::size_t size) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < size; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 15];
  }
  return out;
}

}  // namespace

std::string build_id_in_notes(const char* notes, std::size_t size) {
  std::size_t at = 0;
  while (at + sizeof(ElfW(Nhdr)) <= size) {
    const auto* note = reinterpret_cast<const ElfW(Nhdr)*>(notes + at);
    std::size_t name_size = (note->n_namesz + 3) & ~std::size_t{3};
    std::size_t desc_size = (note->n_descsz + 3) & ~std::size_t{3};
    if (at + sizeof(ElfW(Nhdr)) + name_size + desc_size > size) break;
    const char* name = notes + at + sizeof(ElfW(Nhdr));
    if (note->n_type == NT_GNU_BUILD_ID && note->n_namesz == 4 && std::memcmp(name, "GNU", 4) == 0)
      return hex(reinterpret_cast<const unsigned char*>(name + name_size), note->n_descsz);
    at += sizeof(ElfW(Nhdr)) + name_size + desc_size;
  }
  return "";
}

namespace {

// The build id in the PT_NOTE segments of an ELF image of `size` bytes
// (native class and byte order only).
std::string build_id_in_image(const char* image, std::size_t size) {
  if (size < sizeof(ElfW(Ehdr)) || std::memcmp(image, ELFMAG, SELFMAG) != 0) return "";
  const auto* header = reinterpret_cast<const ElfW(Ehdr)*>(image);
  if (header->e_ident[EI_CLASS] != (sizeof(void*) == 8 ? ELFCLASS64 : ELFCLASS32)) return "";
  for (std::size_t i = 0; i < header->e_phnum; ++i) {
    std::size_t at = header->e_phoff + i * sizeof(ElfW(Phdr));
    if (at + sizeof(ElfW(Phdr)) > size) return "";
    const auto* segment = reinterpret_cast<const ElfW(Phdr)*>(image + at);
    if (segment->p_type != PT_NOTE || segment->p_offset + segment->p_filesz > size) continue;
    std::string id = build_id_in_notes(image + segment->p_offset, segment->p_filesz);
    if (!id.empty()) return id;
  }
  return "";
}

}  // namespace

std::string file_build_id(const std::string& path) {
  MappedFile file(path);
  return file.data() ? build_id_in_image(file.data(), file.size()) : "";
}

}  // namespace softpatch::elf
