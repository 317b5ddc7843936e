// The modules (executable and libraries) loaded in this process, found by an
// address they hold: the one place that walks the dynamic loader's list, for
// the registry (a method's code by its symbol), the loader's manifest check
// (what memory a patch may point into, a library pinned while its patch
// applies) and build ids.
#ifndef SOFTPATCH_INTERNAL_MODULES_H
#define SOFTPATCH_INTERNAL_MODULES_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace softpatch::internal {

// One loaded segment.
struct MemoryRange {
  std::uintptr_t begin, end;  // [begin, end)
  bool executable;
};

// The module whose loaded segments hold an address.
struct LoadedModule {
  int index;                          // in dl_iterate_phdr's order: 0 is the executable
  std::string path;                   // as the dynamic loader has it ("" for the executable)
  std::vector<MemoryRange> segments;  // its PT_LOAD segments
  std::vector<MemoryRange> notes;     // its PT_NOTE segments (build ids)
};

// The module holding `address`, or nothing when none does.
std::optional<LoadedModule> module_holding(const void* address);

// The index of the module holding `address` (LoadedModule::index: 0 for
// the executable), or -1 when none holds it.
int module_index_holding(const void* address);

// The path of the module holding `address`, for messages: "the program"
// for the executable, "an unknown module" when none holds it.
std::string module_name_holding(const void* address);

// A dlopen handle of the module holding `address` (a reference: dlclose it),
// taken without loading anything (RTLD_NOLOAD); the whole program's handle
// for the executable; null when no module holds it or its library is being
// closed.
void* open_module_holding(const void* address);

}  // namespace softpatch::internal

#endif  // SOFTPATCH_INTERNAL_MODULES_H
