#include "softpatch/internal/modules.h"

#include <dlfcn.h>
#include <link.h>

#include <utility>

namespace softpatch::internal {

std::optional<LoadedModule> module_holding(const void* address) {
  struct Search {
    std::uintptr_t address;
    int index = 0;
    std::optional<LoadedModule> found;
  } search{reinterpret_cast<std::uintptr_t>(address), 0, std::nullopt};
  dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void* data) {
        auto* search = static_cast<Search*>(data);
        LoadedModule module{search->index++, info->dlpi_name ? info->dlpi_name : "", {}, {}};
        bool holds = false;
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const ElfW(Phdr)& segment = info->dlpi_phdr[i];
          MemoryRange range{info->dlpi_addr + segment.p_vaddr,
                            info->dlpi_addr + segment.p_vaddr + segment.p_memsz,
                            (segment.p_flags & PF_X) != 0};
          if (segment.p_type == PT_NOTE) module.notes.push_back(range);
          if (segment.p_type != PT_LOAD) continue;
          holds = holds || (search->address >= range.begin && search->address < range.end);
          module.segments.push_back(range);
        }
        if (!holds) return 0;
        search->found = std::move(module);
        return 1;
      },
      &search);
  return search.found;
}

int module_index_holding(const void* address) {
  std::optional<LoadedModule> module = module_holding(address);
  return module ? module->index : -1;
}

std::string module_name_holding(const void* address) {
  std::optional<LoadedModule> module = module_holding(address);
  if (!module) return "an unknown module";
  return module->path.empty() ? "the program" : module->path;
}

void* open_module_holding(const void* address) {
  std::optional<LoadedModule> module = module_holding(address);
  if (!module) return nullptr;
  if (module->index == 0) return dlopen(nullptr, RTLD_LAZY);
  return dlopen(module->path.c_str(), RTLD_LAZY | RTLD_NOLOAD);
}

}  // namespace softpatch::internal
