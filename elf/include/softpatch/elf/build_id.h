// GNU build ids (NT_GNU_BUILD_ID notes), in lowercase hex: of an ELF file on
// disk, or of the notes of a module already loaded.
//
//   std::string id = softpatch::elf::file_build_id("build/server");
//   if (id.empty()) ...  // not an ELF file of this machine, or no build id
#ifndef SOFTPATCH_ELF_BUILD_ID_H
#define SOFTPATCH_ELF_BUILD_ID_H

#include <cstddef>
#include <string>

namespace softpatch::elf {

// The build id in a PT_NOTE segment's bytes, or "" when it holds none.
std::string build_id_in_notes(const char* notes, std::size_t size);

// The build id of the ELF file at `path`, or "" when it has none or is not
// an ELF file of this machine's class.
std::string file_build_id(const std::string& path);

}  // namespace softpatch::elf

#endif  // SOFTPATCH_ELF_BUILD_ID_H
