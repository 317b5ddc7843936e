#include "modules.h"

#include <dlfcn.h>

#include <cstring>
#include <utility>

#include "softpatch/elf/build_id.h"
#include "softpatch/loader.h"

namespace softpatch {

std::string module_build_id(const void* address) {
  std::optional<internal::LoadedModule> module = internal::module_holding(address);
  if (!module) return "";
  for (const internal::MemoryRange& notes : module->notes) {
    std::string id =
        elf::build_id_in_notes(reinterpret_cast<const char*>(notes.begin), notes.end - notes.begin);
    if (!id.empty()) return id;
  }
  return "";
}

std::optional<ModulePin> ModulePin::of(const void* address) {
  ModulePin pin;
  pin.handle_ = internal::open_module_holding(address);
  if (!pin.handle_) return std::nullopt;
  return pin;
}

ModulePin::ModulePin(ModulePin&& other) noexcept : handle_(other.handle_) {
  other.handle_ = nullptr;
}

ModulePin& ModulePin::operator=(ModulePin&& other) noexcept {
  std::swap(handle_, other.handle_);
  return *this;
}

ModulePin::~ModulePin() {
  if (handle_) dlclose(handle_);
}

ModuleMemory ModuleMemory::of_module_holding(const void* address) {
  std::optional<internal::LoadedModule> module = internal::module_holding(address);
  return ModuleMemory(module ? std::move(module->segments) : std::vector<Range>{});
}

const ModuleMemory::Range* ModuleMemory::range_of(std::uintptr_t address) const {
  for (const Range& range : ranges_)
    if (address >= range.begin && address < range.end) return &range;
  return nullptr;
}

bool ModuleMemory::holds(const void* address, std::size_t size) const {
  auto begin = reinterpret_cast<std::uintptr_t>(address);
  const Range* range = range_of(begin);
  return range && size <= range->end - begin;
}

bool ModuleMemory::holds_code(const void* address) const {
  const Range* range = range_of(reinterpret_cast<std::uintptr_t>(address));
  return range && range->executable;
}

std::optional<std::string_view> ModuleMemory::string_at(const char* address) const {
  const Range* range = range_of(reinterpret_cast<std::uintptr_t>(address));
  if (!range) return std::nullopt;
  std::size_t room = range->end - reinterpret_cast<std::uintptr_t>(address);
  const void* end = std::memchr(address, 0, room);
  if (!end) return std::nullopt;
  return std::string_view(address, static_cast<const char*>(end) - address);
}
}  // namespace softpatch
