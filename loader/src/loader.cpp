// Loading, validating, applying and rolling back patches.
#include "softpatch/loader.h"

#include <dlfcn.h>
#include <link.h>

#include <algorithm>
#include <atomic>
#include <ctime>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include "crash_handler.h"
#include "manifest_check.h"
#include "messages.h"
#include "patch_file.h"
#include "running_code.h"
#include "softpatch/internal/initialisation.h"
#include "softpatch/internal/manifest.h"
#include "softpatch/internal/registry_state.h"
#include "softpatch/patch_hooks.h"
#include "softpatch/registry.h"

namespace softpatch {
namespace {

using internal::PatchManifest;
using internal::RawFunction;

// One slot a patch switched.
struct Switch {
  internal::Slot* slot;
  RawFunction previous;  // what it called before the patch
  RawFunction next;      // the patch's code
  std::string name;
};

struct Patch {
  PatchInfo info;
  std::vector<Switch> switches;
  std::uint64_t departures = 0;  // units gone when its slots were last known loaded
  std::vector<PatchHook> applied_hooks, removed_hooks;
  std::vector<CodeFingerprint> code;  // of the edited file: what runs while it is active
  bool carries_code = false;          // whether its manifest gave `code`
  // A patch of a header carries only the bodies that differed from what ran
  // (internal::kHeader): later patches of the header build on it.
  bool builds_on_earlier = false;
};

std::mutex loader_mutex;  // one patch applied or rolled back at a time
bool deferred = false;    // under loader_mutex
std::atomic<int> pending_count{0};

// The hooks a patch registers while it is being opened (its static
// initialisers run inside dlopen, on the loading thread).
thread_local Patch* registering = nullptr;

// Runs hooks, collecting what they throw into `errors`.
void run_hooks(const std::vector<PatchHook>& hooks, bool reverse, std::string& errors) {
  auto run = [&](PatchHook hook) {
    try {
      hook();
    } catch (const std::exception& error) {
      errors += std::string("a lifecycle hook threw: ") + error.what() + "\n";
    } catch (...) {
      errors += "a lifecycle hook threw something that is not a std::exception\n";
    }
  };
  if (reverse)
    std::for_each(hooks.rbegin(), hooks.rend(), run);
  else
    std::for_each(hooks.begin(), hooks.end(), run);
}

std::vector<Patch>& history() {
  static auto* patches = new std::vector<Patch>;  // never destroyed: patches stay loaded
  return *patches;
}

// The count of departed units at which the slots of `patch` are known to be
// loaded now, or nothing when its file, or one of its slots, went away since
// they were found (a closed library's slots are gone; a reopened one's are
// not the patch's to write).
std::optional<std::uint64_t> slots_still_loaded(const Patch& patch) {
  std::uint64_t now = internal::unit_departures();
  if (now == patch.departures) return now;
  if (internal::unit_departed(patch.info.project_file)) return std::nullopt;
  std::set<const internal::Slot*> registered;
  for (const Function& f : functions()) registered.insert(&f.slot());
  for (const Switch& s : patch.switches)
    if (!registered.count(s.slot)) return std::nullopt;
  return now;
}

// Moves every slot of `patch` to its patched code (or back, in reverse
// order, so that a slot listed twice ends where it began), all or none: none
// when a unit went away since the count was `departures`.
bool exchange_all(Patch& patch, bool forward, std::uint64_t departures) {
  return internal::while_no_departures_since(departures, [&] {
    if (forward)
      for (Switch& s : patch.switches) s.previous = s.slot->exchange(s.next);
    else
      std::for_each(patch.switches.rbegin(), patch.switches.rend(),
                    [](const Switch& s) { s.slot->exchange(s.previous); });
  });
}

// A function of `patch` whose slot holds code that no active patch put
// there (a mock's dispatcher, as a rule), or nullptr: switching it would take
// it from the mock, and the mock's end would then take the patch back.
const std::string* redirected_function(const Patch& patch) {
  for (const Switch& s : patch.switches) {
    RawFunction now = s.slot->current();
    bool from_a_patch = now == nullptr;
    for (const Patch& earlier : history())
      for (const Switch& t : earlier.switches)
        if (earlier.info.active && t.slot == s.slot && t.next == now) from_a_patch = true;
    if (!from_a_patch) return &s.name;
  }
  return nullptr;
}

// Switches `patch` in, its slots found when `departures` units had gone;
// false, with nothing switched and no hook run, if one went since. Then the
// active patch of the same file hears it went, and `patch` that it came.
bool switch_in(Patch& patch, std::uint64_t departures) {
  if (!exchange_all(patch, /*forward=*/true, departures)) return false;
  patch.departures = departures;
  patch.info.active = true;
  patch.info.pending = false;
  for (Patch& earlier : history())
    // An earlier patch of a header stays under one that builds on it.
    if (&earlier != &patch && earlier.info.active && !patch.builds_on_earlier &&
        earlier.info.project_file == patch.info.project_file)
      run_hooks(earlier.removed_hooks, /*reverse=*/true, patch.info.hook_errors);
  run_hooks(patch.applied_hooks, /*reverse=*/false, patch.info.hook_errors);
  return true;
}

// The code of the latest active patch of `project_file` that carries its
// code, if any. Under loader_mutex.
std::optional<std::vector<CodeFingerprint>> patched_code(std::string_view project_file) {
  for (auto p = history().rbegin(); p != history().rend(); ++p)
    if (p->info.active && p->carries_code && p->info.project_file == project_file) return p->code;
  return std::nullopt;
}

// The memory the patch opened as `handle` was mapped into (its manifest
// must be there, not in a library it depends on).
ModuleMemory patch_memory(void* handle) {
  link_map* map = nullptr;
  if (dlinfo(handle, RTLD_DI_LINKMAP, &map) != 0 || !map) return ModuleMemory({});
  return ModuleMemory::of_module_holding(map->l_ld);
}

// The switches a checked manifest asks for, none made yet.
std::vector<Switch> switches_of(std::vector<PlannedSwitch> planned) {
  std::vector<Switch> switches;
  for (PlannedSwitch& s : planned) switches.push_back({s.slot, nullptr, s.code, std::move(s.name)});
  return switches;
}

}  // namespace

Result<PatchInfo> load_patch(const std::string& path) {
  std::lock_guard<std::mutex> lock(loader_mutex);
  // Never closed: a refused patch's static initialisers may already have
  // registered variables it defines.
  internal::take_initialisation_failure();  // forget anything from before
  Patch patch;
  registering = &patch;
  Result<void*> opened = open_patch_file(path);
  registering = nullptr;
  if (!opened) return Error{opened.error()};
  void* handle = opened.value();
  if (std::string failure = internal::take_initialisation_failure(); !failure.empty())
    return refused(path, failure);
  auto* manifest = static_cast<const PatchManifest*>(dlsym(handle, SOFTPATCH_MANIFEST_SYMBOL));
  ModuleMemory memory = patch_memory(handle);
  if (!manifest) return refused(path, "not a softpatch patch (no manifest)");
  Result<PatchPlan> planned = check_manifest(
      path, *manifest, memory,
      [handle](const char* id) {
        return reinterpret_cast<internal::RawFunction>(dlsym(handle, id));
      },
      patched_code);
  if (!planned) return Error{planned.error()};

  patch.info.number = static_cast<int>(history().size()) + 1;
  patch.info.path = path;
  patch.info.project_file = manifest->project_file;
  patch.info.functions = static_cast<std::size_t>(
      std::count_if(planned->switches.begin(), planned->switches.end(),
                    [](const PlannedSwitch& s) { return s.code != nullptr; }));
  // Its calls of the functions it does not carry reach the program's code.
  for (const auto& [import, code] : planned->imports) *import = code;
  patch.info.pending = true;
  patch.info.changed = std::move(planned->changed);
  patch.info.added = std::move(planned->added);
  patch.info.unreached = std::move(planned->unreached);
  patch.info.loaded_at = static_cast<std::int64_t>(std::time(nullptr));
  patch.switches = switches_of(std::move(planned->switches));
  patch.code = std::move(planned->code);
  patch.carries_code = planned->carries_code;
  patch.builds_on_earlier = (manifest->flags & internal::kHeader) != 0;
  patch.departures = planned->departures;
  // Before the switch: a crash in the new code as soon as it runs is named.
  if (const std::string* mocked = redirected_function(patch))
    return refused(path, *mocked +
                             " is mocked (softpatch/mock.h) or otherwise redirected: end the mock, "
                             "then patch; nothing applied");
  if (link_map* map = nullptr; dlinfo(handle, RTLD_DI_LINKMAP, &map) == 0 && map && map->l_name)
    note_loaded_patch(patch.info.number, patch.info.project_file, map->l_name);
  if (deferred) {
    ++pending_count;
  } else if (!switch_in(patch, planned->departures)) {
    return refused(path, std::string(kUnitsWent) + "; nothing applied");
  }
  history().push_back(std::move(patch));
  return history().back().info;
}

Result<PatchInfo> rollback(int number) {
  std::lock_guard<std::mutex> lock(loader_mutex);
  Patch* patch = nullptr;
  for (Patch& p : history())
    if (p.info.number == number) patch = &p;
  if (!patch) return Error{"softpatch: no patch " + std::to_string(number)};
  if (!patch->info.active)
    return Error{"softpatch: patch " + std::to_string(number) +
                 (patch->info.pending ? " waits for a safe point" : " is already rolled back")};
  // What runs of the file is its latest active patch's code: one that a
  // later patch of the same header builds on stays while that one does.
  for (const Patch& later : history())
    if ((later.info.active || later.info.pending) && later.info.number > number &&
        later.builds_on_earlier && later.info.project_file == patch->info.project_file)
      return Error{"softpatch: patch " + std::to_string(number) + ": patch " +
                   std::to_string(later.info.number) + " of " + later.info.project_file +
                   " builds on it; roll that back first"};
  std::optional<std::uint64_t> departures = slots_still_loaded(*patch);
  if (!departures)
    return Error{"softpatch: patch " + std::to_string(number) + ": " + patch->info.project_file +
                 kFileGone};
  for (const Switch& s : patch->switches) {
    if (s.slot->current() == s.next) continue;
    for (const Patch& later : history())
      for (const Switch& t : later.switches)
        if (later.info.active && t.slot == s.slot && t.next == s.slot->current())
          return Error{"softpatch: patch " + std::to_string(number) + ": " + s.name +
                       " was changed again by patch " + std::to_string(later.info.number) +
                       "; roll that back first"};
    return Error{"softpatch: patch " + std::to_string(number) + ": " + s.name +
                 " was redirected since (a mock?); not rolled back"};
  }
  patch->info.hook_errors.clear();
  run_hooks(patch->removed_hooks, /*reverse=*/true, patch->info.hook_errors);
  if (!exchange_all(*patch, /*forward=*/false, *departures))
    return Error{"softpatch: patch " + std::to_string(number) + ": " + kUnitsWent +
                 " while its removed hooks ran; not rolled back"};
  patch->info.active = false;
  return patch->info;
}

Result<PatchInfo> rollback() {
  int latest = 0;
  {
    std::lock_guard<std::mutex> lock(loader_mutex);
    for (const Patch& p : history())
      if (p.info.active) latest = p.info.number;
  }
  if (!latest) return Error{"softpatch: no active patch to roll back"};
  return rollback(latest);
}

void set_deferred(bool on) {
  std::lock_guard<std::mutex> lock(loader_mutex);
  deferred = on;
}

int safepoint() {
  if (pending_count.load(std::memory_order_acquire) == 0) return 0;
  std::lock_guard<std::mutex> lock(loader_mutex);
  int applied = 0, settled = 0;
  for (Patch& patch : history())
    if (patch.info.pending) {
      // Checked when it was loaded; its slots may have gone since, or a
      // mock may have taken one (which the patch must not take from it).
      std::optional<std::uint64_t> departures = slots_still_loaded(patch);
      if (departures && !redirected_function(patch) && switch_in(patch, *departures))
        ++applied;
      else
        patch.info.pending = false;  // dropped: its file went away, or it waited for a mock
      ++settled;
    }
  pending_count -= settled;
  return applied;
}

void on_applied(PatchHook hook) {
  if (registering) registering->applied_hooks.push_back(hook);
}

void on_removed(PatchHook hook) {
  if (registering) registering->removed_hooks.push_back(hook);
}

// Whether the program's own code of every function of `unit` can be found
// (Function::address(): the build's table, or an exported symbol) in the
// module that holds it; not when the program was linked without its
// symbols exported, say.
bool own_copies_reachable(const internal::TranslationUnit& unit) {
  ModuleMemory module = ModuleMemory::of_module_holding(&unit);
  for (std::size_t i = 0; i < unit.function_count; ++i) {
    Function function(unit.functions[i], unit);
    // A constructor's body has no code of its own: every patch carries it.
    // Nor does a patch call the build's instantiations of a template, or
    // a lambda's body (it goes with its enclosing function).
    if (function.is_constructor_or_destructor() ||
        (function.flags() & (internal::kInstantiation | internal::kLambda)))
      continue;
    internal::RawFunction code = function.address();
    if (!code || !module.holds_code(reinterpret_cast<const void*>(code))) return false;
  }
  return true;
}

namespace {

// What runs of a header in `unit`, a unit of another module than the one
// its patches are bound to, which they reach only through the slots they
// switch (header_reach): `patched`'s piece of a function whose slot there
// a patch redirects, the module's own build (`built`) for the rest.
std::vector<CodeFingerprint> code_in_other_module(const internal::TranslationUnit& unit,
                                                  std::vector<CodeFingerprint> built,
                                                  const std::vector<CodeFingerprint>& patched) {
  std::map<std::string_view, const CodeFingerprint*> patched_piece;
  for (const CodeFingerprint& piece : patched) patched_piece.emplace(piece.key, &piece);
  for (CodeFingerprint& piece : built) {
    if (piece.kind != CodeKind::kFunction) continue;
    auto now = patched_piece.find(piece.key);
    if (now == patched_piece.end()) continue;
    for (std::size_t i = 0; i < unit.function_count; ++i)
      if (piece.key == unit.functions[i].id && unit.functions[i].slot->current()) {
        piece = *now->second;
        break;
      }
  }
  return built;
}

}  // namespace

Result<RunningCode> running_code(const std::string& project_file, std::string_view module) {
  // Held throughout, as load_patch holds it: a patch loaded or rolled back
  // between the history's answer and the build's would be missed.
  std::lock_guard<std::mutex> lock(loader_mutex);
  Result<PinnedUnit> pinned = pin_unit(project_file, module);
  if (!pinned) return pinned.take_error();
  RunningCode running{module_build_id(pinned->unit), {}, {}};
  const internal::TranslationUnit& unit = *pinned->unit;
  Result<std::vector<CodeFingerprint>> built =
      code_of_records(unit.fingerprints, unit.fingerprint_count);
  if (!built) return Error{project_file + ": " + built.take_error().message};
  std::optional<std::vector<CodeFingerprint>> patched = patched_code(project_file);
  if (!patched)
    running.code = *built;
  else if (pinned->bound)
    running.code = *patched;
  else
    running.code = code_in_other_module(unit, *built, *patched);
  // A patch of the changed functions alone calls the program's own copies
  // of the others: offered only when every one of them can be found.
  if (own_copies_reachable(unit)) running.built = std::move(*built);
  return running;
}

int patch_running(const Function& function) {
  std::lock_guard<std::mutex> lock(loader_mutex);
  internal::RawFunction now = function.slot().current();
  if (!now) return 0;
  for (auto p = history().rbegin(); p != history().rend(); ++p)
    if (p->info.active)
      for (const Switch& s : p->switches)
        if (s.slot == &function.slot() && s.next == now) return p->info.number;
  return 0;
}

std::vector<PatchInfo> patches() {
  std::lock_guard<std::mutex> lock(loader_mutex);
  std::vector<PatchInfo> out;
  for (const Patch& p : history()) out.push_back(p.info);
  return out;
}

}  // namespace softpatch
