// The registry's state as the loader sees it: which version of it a patch
// was checked against, and which files went away.
#ifndef SOFTPATCH_INTERNAL_REGISTRY_STATE_H
#define SOFTPATCH_INTERNAL_REGISTRY_STATE_H

#include <cstdint>
#include <functional>
#include <string_view>

namespace softpatch {
namespace internal {

// Counts registrations and unregistrations: the loader checks a patch
// against one state of the registry, and switches slots only if it is still
// that state (while_registry_is), so that no slot it switches belongs to a
// library being closed or a program exiting.
std::uint64_t registry_generation() noexcept;

// Runs `action` with the registry locked if it is still at `generation`;
// returns whether it ran. `action` must not use the registry.
bool while_registry_is(std::uint64_t generation, const std::function<void()>& action);

// Whether a unit of `project_file` was unregistered (closed or exiting),
// remembered for the last 16 such files.
bool unit_departed(std::string_view project_file) noexcept;

}  // namespace internal
}  // namespace softpatch

#endif  // SOFTPATCH_INTERNAL_REGISTRY_STATE_H
