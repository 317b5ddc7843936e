// What the loader needs of the modules loaded in this process (found through
// the runtime's one walk, softpatch/internal/modules.h): the memory a patch
// may point into, and a library pinned while its patch applies.
#ifndef SOFTPATCH_LOADER_MODULES_H
#define SOFTPATCH_LOADER_MODULES_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "softpatch/internal/modules.h"

namespace softpatch {

// The memory a patch module was mapped into. Every pointer of its manifest
// must lie in it: a manifest is data read from a file, and one that points
// elsewhere is corrupt, not something to follow.
class ModuleMemory {
 public:
  using Range = internal::MemoryRange;

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

}  // namespace softpatch

#endif  // SOFTPATCH_LOADER_MODULES_H
