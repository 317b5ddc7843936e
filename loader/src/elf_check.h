// Checks that a file is a whole shared object for this machine before the
// dynamic loader maps it: a truncated one maps without complaint and faults
// (SIGBUS) when code in its missing part first runs.
#ifndef SOFTPATCH_LOADER_ELF_CHECK_H
#define SOFTPATCH_LOADER_ELF_CHECK_H

#include <cstddef>
#include <string>

namespace softpatch {

// "" when the `size` bytes at `image` are a complete ELF shared object of
// this process's class, byte order and machine; else what is wrong.
std::string elf_problem(const unsigned char* image, std::size_t size);

// The same for the file open as `fd` (read from its start).
std::string elf_problem(int fd);

}  // namespace softpatch

#endif  // SOFTPATCH_LOADER_ELF_CHECK_H
