// The registry's state as the loader sees it: whether a unit went away
// since a patch was checked, and which files did.
#ifndef SOFTPATCH_INTERNAL_REGISTRY_STATE_H
#define SOFTPATCH_INTERNAL_REGISTRY_STATE_H

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "softpatch/internal/slot.h"

namespace softpatch {
namespace internal {

// How many units have been unregistered so far (a library closed, or the
// program exiting): the loader notes it before it checks a patch, and
// switches slots only if no unit went away since (while_no_departures_since),
// so that no slot it writes belongs to a library that is going away.
// Registrations do not count: they invalidate nothing.
std::uint64_t unit_departures() noexcept;

// Runs `action` with the registry locked if no unit was unregistered since
// the count was `departures`; returns whether it ran. `action` must not use
// the registry.
bool while_no_departures_since(std::uint64_t departures, const std::function<void()>& action);

// The registered units of `project_file`, in the order they registered
// (a header's: one per module, or per file, that includes it). Found under
// the registry's lock; their records may be read afterwards only while
// their module is kept loaded (the loader pins it) or is the executable.
std::vector<const TranslationUnit*> units_of(std::string_view project_file);

// Calls `visit` with every registered unit, under the registry's lock: a
// unit's records stay mapped while it is registered (its module's
// destructor waits for the lock to unregister it). `visit` must not call
// into the registry.
void for_each_unit(const std::function<void(const TranslationUnit&)>& visit);

// What the registry knows of the function with stable `id`, copied under
// its lock: a unit that goes away takes its strings with it.
struct FunctionFacts {
  Slot* slot;
  const TranslationUnit* unit;
  std::string name, project_file, signature;
  unsigned flags;  // FunctionFlags
};
std::optional<FunctionFacts> function_facts(std::string_view id);

// Whether a unit of `project_file` was unregistered (closed or exiting),
// remembered for the last 16 such files.
bool unit_departed(std::string_view project_file) noexcept;

// Why the unit of `project_file` was left out, if it was for its version
// (instrumented by another softpatch), remembered for the last 16 such
// files: "src/a.cpp was instrumented by another softpatch version (unit
// version 3, this runtime reads 4): rebuild it".
std::optional<std::string> unit_refused(std::string_view project_file);

}  // namespace internal
}  // namespace softpatch

#endif  // SOFTPATCH_INTERNAL_REGISTRY_STATE_H
