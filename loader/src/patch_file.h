// Opening a patch file so that the file checked is the file loaded.
#ifndef SOFTPATCH_LOADER_PATCH_FILE_H
#define SOFTPATCH_LOADER_PATCH_FILE_H

#include <string>

#include "softpatch/result.h"

namespace softpatch {

// Opens the patch at `path` once, without following symbolic links; checks
// on that descriptor that it is a regular file nobody but this user (or
// root) could have written, in a directory likewise; copies it into private
// memory, checks the copy is a whole ELF shared object for this machine, and
// dlopen()s the copy. Returns the dlopen handle; errors name `path` and the
// cause. The copy is immune to the file changing afterwards.
Result<void*> open_patch_file(const std::string& path);

// Removes the private copies this process loaded patches from (kept while
// it runs so that a debugger can read their symbols): at exit, once no
// load can run any more.
void remove_loaded_copies();

}  // namespace softpatch

#endif  // SOFTPATCH_LOADER_PATCH_FILE_H
