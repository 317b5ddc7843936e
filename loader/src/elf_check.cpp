#include "elf_check.h"

#include <elf.h>
#include <link.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <cstring>

namespace softpatch {
namespace {

#if defined(__x86_64__)
constexpr int kMachine = EM_X86_64;
#elif defined(__aarch64__)
constexpr int kMachine = EM_AARCH64;
#elif defined(__i386__)
constexpr int kMachine = EM_386;
#elif defined(__riscv)
constexpr int kMachine = EM_RISCV;
#else
constexpr int kMachine = -1;  // not checked
#endif

bool fits(std::size_t offset, std::size_t length, std::size_t size) {
  return offset <= size && length <= size - offset;
}

}  // namespace

std::string elf_problem(const unsigned char* image, std::size_t size) {
  if (size < sizeof(ElfW(Ehdr)) || std::memcmp(image, ELFMAG, SELFMAG) != 0)
    return "not an ELF file";
  ElfW(Ehdr) header;
  std::memcpy(&header, image, sizeof header);
  if (header.e_ident[EI_CLASS] != (sizeof(void*) == 8 ? ELFCLASS64 : ELFCLASS32) ||
      header.e_ident[EI_DATA] !=
          (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB : ELFDATA2MSB) ||
      (kMachine >= 0 && header.e_machine != kMachine))
    return "built for another architecture (ELF machine " + std::to_string(header.e_machine) + ")";
  if (header.e_type != ET_DYN) return "not a shared library";
  if (header.e_phentsize != sizeof(ElfW(Phdr)) ||
      !fits(header.e_phoff, std::size_t{header.e_phnum} * sizeof(ElfW(Phdr)), size))
    return "truncated or corrupt (program headers)";
  if (header.e_shoff &&
      !fits(header.e_shoff, std::size_t{header.e_shnum} * header.e_shentsize, size))
    return "truncated (" + std::to_string(size) + " bytes; section headers end at " +
           std::to_string(header.e_shoff + std::size_t{header.e_shnum} * header.e_shentsize) + ")";
  for (std::size_t i = 0; i < header.e_phnum; ++i) {
    ElfW(Phdr) segment;
    std::memcpy(&segment, image + header.e_phoff + i * sizeof segment, sizeof segment);
    if (segment.p_type == PT_LOAD && !fits(segment.p_offset, segment.p_filesz, size))
      return "truncated (" + std::to_string(size) + " bytes; a loaded segment ends at " +
             std::to_string(segment.p_offset + segment.p_filesz) + ")";
  }
  return "";
}

std::string elf_problem(int fd) {
  struct stat info {};
  if (fstat(fd, &info) != 0) return "cannot read";
  if (info.st_size == 0) return "empty";
  void* image = mmap(nullptr, info.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (image == MAP_FAILED) return "cannot read";
  std::string problem = elf_problem(static_cast<const unsigned char*>(image), info.st_size);
  munmap(image, info.st_size);
  return problem;
}

}  // namespace softpatch
