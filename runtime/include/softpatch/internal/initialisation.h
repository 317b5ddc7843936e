// Between the variable store and the loader: failures of variable
// initialisers while a patch is being loaded.
#ifndef SOFTPATCH_INTERNAL_INITIALISATION_H
#define SOFTPATCH_INTERNAL_INITIALISATION_H

#include <string>

namespace softpatch::internal {

// The first initialiser that threw in bind_variable since the last call,
// described ("initialising cache (src/a.cpp) threw: ..."), or empty; clears
// it. The loader asks after opening a patch and refuses the patch if set.
std::string take_initialisation_failure();

}  // namespace softpatch::internal

#endif  // SOFTPATCH_INTERNAL_INITIALISATION_H
