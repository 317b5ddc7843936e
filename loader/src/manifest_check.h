// Checks a patch's manifest against the running program before anything is
// switched: the one place that decides whether a patch may apply.
#ifndef SOFTPATCH_LOADER_MANIFEST_CHECK_H
#define SOFTPATCH_LOADER_MANIFEST_CHECK_H

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "modules.h"
#include "softpatch/changes/code_fingerprint.h"
#include "softpatch/internal/manifest.h"
#include "softpatch/result.h"

namespace softpatch {

// One slot a patch will switch, and to what.
struct PlannedSwitch {
  internal::Slot* slot;
  internal::RawFunction code;
  std::string name;
};

// A class layout as a patch sees it: {qualified name, fingerprint}.
using ClassLayout = std::pair<std::string, std::string>;

// What a checked patch will do, and what keeps it valid until it is done.
struct PatchPlan {
  std::vector<PlannedSwitch> switches;
  // Where the patch calls the program's own copy of a function it does not
  // carry, and that copy: written before the switch.
  std::vector<std::pair<internal::RawFunction*, internal::RawFunction>> imports;
  std::string project_file;
  std::vector<ClassLayout> layouts;   // of every class the patched file sees
  ModulePin pin;                      // the patched file's library stays loaded
  std::uint64_t departures = 0;       // units gone when the check began
  std::vector<CodeFingerprint> code;  // of the edited file, when the manifest carries it
  bool carries_code = false;
  // Readable names of the functions the edit changes and adds (every known
  // function it switches, when the manifest does not carry its code).
  std::vector<std::string> changed, added;
  // Calls the switches do not reach, one line each: a header's function
  // also compiled without softpatch, or with a slot of its own elsewhere.
  std::vector<std::string> unreached;
};

// Records the layouts of a patch that was loaded (check_manifest does, once
// its layouts passed): objects of the classes it brought (a struct of its
// own in an anonymous namespace, say) outlive it, so a later patch of the
// same file must see those classes as they are. The first layout recorded
// for a class is the one that stays.
void remember_layouts(const PatchPlan& plan);

// Finds the code of a function the manifest gives no entry for, by its id.
using SymbolLookup = std::function<internal::RawFunction(const char* id)>;

// The code of a file as its latest active patch made it, if a patch did.
using PatchedCode =
    std::function<std::optional<std::vector<CodeFingerprint>>(std::string_view project_file)>;

// Checks the whole manifest of the patch at `path` (named in errors):
// well-formed and inside `memory`, built for this program, every known
// function of the same file with the same signature, no class layout
// changed, nothing other files call removed, and (when the manifest carries
// the edited file's code) nothing changed that does not go live with a
// patch (a constructor, main...), compared with the code that runs: that of
// `patched_code`, else the build's. Returns the switches to make; changes
// nothing. Switch them only while no unit has gone since
// `departures` (internal::while_no_departures_since).
Result<PatchPlan> check_manifest(const std::string& path, const internal::PatchManifest& manifest,
                                 const ModuleMemory& memory, const SymbolLookup& lookup,
                                 const PatchedCode& patched_code);

}  // namespace softpatch

#endif  // SOFTPATCH_LOADER_MANIFEST_CHECK_H
