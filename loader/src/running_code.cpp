#include "running_code.h"

#include <algorithm>
#include <utility>

#include "messages.h"
#include "softpatch/internal/modules.h"
#include "softpatch/internal/registry_state.h"
#include "softpatch/loader.h"

namespace softpatch {
namespace {

// Why `file` has no registered unit.
Error not_registered(const std::string& file) {
  if (internal::unit_departed(file)) return Error{file + kFileGone};
  if (std::optional<std::string> refused = internal::unit_refused(file)) return Error{*refused};
  return Error{file + " is not an instrumented file of the running program"};
}

}  // namespace

Result<PinnedUnit> pin_unit(std::string_view project_file, std::string_view module) {
  std::string file(project_file);
  PinnedUnit pinned;
  pinned.departures = internal::unit_departures();
  std::vector<const internal::TranslationUnit*> units = internal::units_of(project_file);
  if (units.empty()) return not_registered(file);
  // A header has a unit in each module that includes it: a patch of it is
  // bound to the executable's, where there is one (its state, its calls).
  // (Only addresses are compared: a unit that went is caught below.)
  const internal::TranslationUnit* bound = units.front();
  for (const internal::TranslationUnit* unit : units)
    if (internal::module_index_holding(unit) == 0) {
      bound = unit;
      break;
    }
  pinned.unit = bound;
  if (!module.empty()) {
    auto in_module = std::find_if(units.begin(), units.end(), [&](const auto* unit) {
      return module_build_id(unit) == module;
    });
    if (in_module == units.end())
      return Error{file + " is not instrumented in the module of build id " + std::string(module)};
    pinned.unit = *in_module;
  }
  pinned.bound = pinned.unit == bound;
  std::optional<ModulePin> pin = ModulePin::of(pinned.unit);
  if (!pin) return Error{file + kFileGone};
  // The pin holds the module at that address now; the unit is still the one
  // found only if none went away since it was.
  if (internal::unit_departures() != pinned.departures) return Error{file + ": " + kUnitsWent};
  pinned.pin = std::move(*pin);
  return pinned;
}

Result<std::vector<CodeFingerprint>> code_of_records(const internal::FingerprintRecord* records,
                                                     std::size_t count) {
  std::vector<CodeFingerprint> code;
  for (std::size_t i = 0; i < count; ++i) {
    const internal::FingerprintRecord& record = records[i];
    std::optional<CodeKind> kind = kind_from_word(record.kind);
    if (!kind || !*record.key || !is_code_hash(record.hash))
      return Error{"code fingerprint " + std::to_string(i + 1) + " is not one"};
    code.push_back({*kind, record.key, record.name, record.detail, record.hash});
  }
  return code;
}

}  // namespace softpatch
