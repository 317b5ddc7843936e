// The code of a file as it runs, piece by piece (softpatch/changes): what the
// agent tells `softpatch` so that it can say what an edit changes, and what
// the loader compares a patch with before it applies.
#ifndef SOFTPATCH_LOADER_RUNNING_CODE_H
#define SOFTPATCH_LOADER_RUNNING_CODE_H

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "modules.h"
#include "softpatch/changes/code_fingerprint.h"
#include "softpatch/internal/slot.h"
#include "softpatch/result.h"

namespace softpatch {

// A project file's registered unit, and its library kept loaded: its
// records may be read while this lives.
struct PinnedUnit {
  const internal::TranslationUnit* unit = nullptr;
  ModulePin pin;
  std::uint64_t departures = 0;  // units gone when it was found
  bool bound = true;             // the unit a patch of a header is bound to
};

// The unit of `project_file`, found and pinned with no unit going away in
// between: a library closed at that moment would leave the pointer aimed at
// unmapped memory, or at a library loaded in its place. The error is the
// cause, naming the file: "src/a.cpp is not an instrumented file of the
// running program", that it went away (kFileGone, kUnitsWent), or that it
// was instrumented by another softpatch version. A header has a unit in each
// module that includes it: the one of the module of build id `module`, or
// when "" the one a patch of the header is bound to (the executable's, where
// it has one).
Result<PinnedUnit> pin_unit(std::string_view project_file, std::string_view module = {});

// The fingerprints of records that a module holds (a unit's, a manifest's),
// copied; records that are not well formed are an error.
Result<std::vector<CodeFingerprint>> code_of_records(const internal::FingerprintRecord* records,
                                                     std::size_t count);

// A file of the program as it runs.
struct RunningCode {
  std::string build_id;  // of the module that holds the file, "" when it has none
  // Its latest active patch's code, else its build's.
  std::vector<CodeFingerprint> code;
  // Its build's, when the program's own code of each of its functions can
  // be found (a patch of the changed functions alone may call them); else
  // empty, and patches carry the whole file.
  std::vector<CodeFingerprint> built;
};

// What runs of `project_file`, all decided at one moment: no patch is loaded
// or rolled back meanwhile, and its unit is read only while its library is
// pinned. An error names the file and why: no such instrumented file, or it
// went away (a library closed). `module` as for pin_unit: another module
// than the one a header's patches are bound to runs their code only where
// its slot is one they switched, its build's elsewhere (a library that
// keeps its own copies).
Result<RunningCode> running_code(const std::string& project_file, std::string_view module = {});

}  // namespace softpatch

#endif  // SOFTPATCH_LOADER_RUNNING_CODE_H
