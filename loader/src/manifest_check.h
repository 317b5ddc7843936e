// Checks a patch's manifest against the running program before anything is
// switched: the one place that decides whether a patch may apply.
#ifndef SOFTPATCH_LOADER_MANIFEST_CHECK_H
#define SOFTPATCH_LOADER_MANIFEST_CHECK_H

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "softpatch/internal/manifest.h"
#include "softpatch/result.h"

namespace softpatch {

// The memory a patch module was mapped into. Every pointer of its manifest
// must lie in it: a manifest is data read from a file, and one that points
// elsewhere is corrupt, not something to follow.
class ModuleMemory {
 public:
  struct Range {
    std::uintptr_t begin, end;  // [begin, end)
    bool executable;
  };

  explicit ModuleMemory(std::vector<Range> ranges) : ranges_(std::move(ranges)) {}

  // The loaded segments of the module that holds `address`.
  static ModuleMemory of_module_holding(const void* address);

  // Whether the `size` bytes at `address` all lie in one range.
  bool holds(const void* address, std::size_t size) const;

  // Whether `address` lies in an executable range.
  bool holds_code(const void* address) const;

  // The NUL-terminated string at `address`, if it and its terminator lie in
  // one range.
  std::optional<std::string_view> string_at(const char* address) const;

 private:
  const Range* range_of(std::uintptr_t address) const;
  std::vector<Range> ranges_;
};

// Keeps the library that holds an address loaded for as long as it lives
// (a reference taken with dlopen(RTLD_NOLOAD)); the executable needs none.
class ModulePin {
 public:
  ModulePin() = default;
  // Nothing when no module holds `address`, or its library is being closed.
  static std::optional<ModulePin> of(const void* address);
  ModulePin(ModulePin&& other) noexcept;
  ModulePin& operator=(ModulePin&& other) noexcept;
  ~ModulePin();

 private:
  void* handle_ = nullptr;
};

// One slot a patch will switch, and to what.
struct PlannedSwitch {
  internal::Slot* slot;
  internal::RawFunction code;
  std::string name;
};

// What a checked patch will do, and what keeps it valid until it is done.
struct PatchPlan {
  std::vector<PlannedSwitch> switches;
  ModulePin pin;                 // the patched file's library stays loaded
  std::uint64_t departures = 0;  // units gone when the check began
};

// Finds the code of a function the manifest gives no entry for, by its id.
using SymbolLookup = std::function<internal::RawFunction(const char* id)>;

// Checks the whole manifest of the patch at `path` (named in errors):
// well-formed and inside `memory`, built for this program, every known
// function of the same file with the same signature, no class layout
// changed, nothing other files call removed. Returns the switches to make;
// changes nothing. Switch them only while no unit has gone since
// `departures` (internal::while_no_departures_since).
Result<PatchPlan> check_manifest(const std::string& path, const internal::PatchManifest& manifest,
                                 const ModuleMemory& memory, const SymbolLookup& lookup);

}  // namespace softpatch

#endif  // SOFTPATCH_LOADER_MANIFEST_CHECK_H
