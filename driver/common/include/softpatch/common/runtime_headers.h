// Where the tools find the runtime's headers that generated code includes.
#ifndef SOFTPATCH_COMMON_RUNTIME_HEADERS_H
#define SOFTPATCH_COMMON_RUNTIME_HEADERS_H

#include <string>

namespace softpatch::driver {

// The absolute path of `name` (e.g. "softpatch/internal/patch.h"): beside an
// installed tool, in ../include relative to its executable, else in the
// source tree the tool was built from.
std::string runtime_header(const std::string& name);

}  // namespace softpatch::driver

#endif  // SOFTPATCH_COMMON_RUNTIME_HEADERS_H
