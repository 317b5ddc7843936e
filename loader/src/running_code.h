// The code of a file as it runs, piece by piece (softpatch/changes): what the
// agent tells `softpatch` so that it can say what an edit changes, and what
// the loader compares a patch with before it applies.
#ifndef SOFTPATCH_LOADER_RUNNING_CODE_H
#define SOFTPATCH_LOADER_RUNNING_CODE_H

#include <string>
#include <vector>

#include "softpatch/changes/code_fingerprint.h"
#include "softpatch/internal/slot.h"
#include "softpatch/result.h"

namespace softpatch {

// The fingerprints of records that a module holds (a unit's, a manifest's),
// copied; records that are not well formed are an error.
Result<std::vector<CodeFingerprint>> code_of_records(const internal::FingerprintRecord* records,
                                                     std::size_t count);

// The code of `project_file` as it runs: that of its latest active patch,
// else its build's. An error when the program has no such instrumented file.
Result<std::vector<CodeFingerprint>> running_code(const std::string& project_file);

}  // namespace softpatch

#endif  // SOFTPATCH_LOADER_RUNNING_CODE_H
