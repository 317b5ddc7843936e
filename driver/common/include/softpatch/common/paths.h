// Paths as the command line's products handle them: made absolute without
// ever throwing (a working directory or build directory removed under a
// running `softpatch run` must not end it).
#ifndef SOFTPATCH_COMMON_PATHS_H
#define SOFTPATCH_COMMON_PATHS_H

#include <string>

namespace softpatch::driver {

// `path` made absolute (against the working directory) and normalised
// lexically, links not resolved; `path` itself, normalised, when the working
// directory is gone.
std::string absolute_normal(const std::string& path);

// Whether `path` names something that exists (false on any error).
bool exists(const std::string& path);

}  // namespace softpatch::driver

#endif  // SOFTPATCH_COMMON_PATHS_H
