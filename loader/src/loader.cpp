// Loading, validating, applying and rolling back patches.
#include "softpatch/loader.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <algorithm>
#include <atomic>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string_view>

#include "elf_check.h"
#include "softpatch/internal/initialisation.h"
#include "softpatch/internal/manifest.h"
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
  std::vector<PatchHook> applied_hooks, removed_hooks;
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

// Switches `patch` in: the active patch of the same file hears it goes.
void switch_in(Patch& patch) {
  for (Patch& earlier : history())
    if (&earlier != &patch && earlier.info.active &&
        earlier.info.project_file == patch.info.project_file)
      run_hooks(earlier.removed_hooks, /*reverse=*/true, patch.info.hook_errors);
  for (Switch& s : patch.switches) s.previous = s.slot->exchange(s.next);
  patch.info.active = true;
  patch.info.pending = false;
  run_hooks(patch.applied_hooks, /*reverse=*/false, patch.info.hook_errors);
}

Error refused(const std::string& path, const std::string& cause) {
  return Error{"softpatch: " + path + ": " + cause};
}

// The build id of the module holding `unit`, cached per unit.
std::string build_id_of(const internal::TranslationUnit& unit) {
  static std::map<const internal::TranslationUnit*, std::string> known;  // under loader_mutex
  auto [it, inserted] = known.emplace(&unit, "");
  if (inserted) it->second = module_build_id(&unit);
  return it->second;
}

// A class whose layout the patch sees differently from the program's file.
std::optional<std::string> changed_layout(const internal::TranslationUnit& unit,
                                          const PatchManifest& manifest) {
  for (std::size_t i = 0; i < manifest.layout_count; ++i) {
    const internal::LayoutRecord& patched = manifest.layouts[i];
    for (std::size_t j = 0; j < unit.layout_count; ++j) {
      const internal::LayoutRecord& running = unit.layouts[j];
      if (std::strcmp(running.name, patched.name) == 0 &&
          std::strcmp(running.fingerprint, patched.fingerprint) != 0)
        return std::string("class ") + patched.name + " changed its layout from '" +
               running.fingerprint + "' to '" + patched.fingerprint + "'";
    }
  }
  return std::nullopt;
}

// A function of the running file that the patch no longer defines, when
// other files may call it (external linkage): they would go on calling the
// old code, or a function that no longer exists. File-local functions may
// go: every caller of theirs is in the patch.
std::optional<std::string> missing_function(const internal::TranslationUnit& unit,
                                            const PatchManifest& manifest) {
  std::set<std::string_view> defined;
  for (std::size_t i = 0; i < manifest.function_count; ++i)
    defined.insert(manifest.functions[i].id);
  for (std::size_t i = 0; i < unit.function_count; ++i) {
    const internal::FunctionRecord& f = unit.functions[i];
    if (!(f.flags & internal::kInternalLinkage) && !defined.count(f.id))
      return std::string(f.name) + " is no longer defined in " + unit.project_file +
             " (removed, or its parameters changed) and other files may call it";
  }
  return std::nullopt;
}

// Checks the whole manifest; returns the switches to make, changing nothing.
Result<std::vector<Switch>> plan(const std::string& path, void* handle,
                                 const PatchManifest& manifest) {
  if (manifest.version != internal::kManifestVersion)
    return refused(path, "manifest version " + std::to_string(manifest.version) +
                             ", this program reads version " +
                             std::to_string(internal::kManifestVersion));
  std::vector<Switch> switches;
  const internal::TranslationUnit* unit = nullptr;
  for (const Function& f : functions())
    if (std::string_view(f.project_file()) == manifest.project_file) {
      unit = &f.unit();
      break;
    }
  if (!unit)
    return refused(path, std::string(manifest.project_file) +
                             " is not an instrumented file of the running program");
  if (build_id_of(*unit) != manifest.build_id)
    return refused(path, "built for another binary (build id " + std::string(manifest.build_id) +
                             ", running " + build_id_of(*unit) + ")");
  if (std::optional<std::string> changed = changed_layout(*unit, manifest))
    return refused(path, *changed + ": restart needed");
  for (std::size_t i = 0; i < manifest.function_count; ++i) {
    const internal::PatchFunction& entry = manifest.functions[i];
    Result<Function> target = find_function_by_id(entry.id);
    if (!target) continue;  // a function the patch adds: called only by the patch itself
    if (std::string_view(target->project_file()) != manifest.project_file)
      return refused(path, std::string(target->name()) + " belongs to " + target->project_file() +
                               ", not " + manifest.project_file);
    if (std::string_view(target->signature()) != entry.signature)
      return refused(path, std::string(target->name()) + " changed its signature from '" +
                               target->signature() + "' to '" + entry.signature +
                               "': restart needed");
    RawFunction code =
        entry.entry ? entry.entry() : reinterpret_cast<RawFunction>(dlsym(handle, entry.id));
    if (!code) return refused(path, std::string("no code for ") + target->name() + " in the patch");
    switches.push_back({&target->slot(), nullptr, code, target->name()});
  }
  if (manifest.flags & internal::kWholeFile)
    if (std::optional<std::string> gone = missing_function(*unit, manifest))
      return refused(path, *gone + ": restart needed");
  return switches;
}

// Why code in a file (or directory) described by `info` could have been
// written by someone else, or "": it must belong to this user or root and
// be writable by nobody else: not by all, nor by a group other than the
// user's own (a user-private group, as umask 002 systems use, is the user).
// A shared directory is fine with the sticky bit, as /tmp has: then no one
// else can replace a file of ours in it.
std::string untrusted(const struct stat& info, const char* what) {
  if (info.st_uid != geteuid() && info.st_uid != 0)
    return std::string(what) + " belongs to another user (uid " + std::to_string(info.st_uid) + ")";
  bool shared = (info.st_mode & S_IWOTH) || ((info.st_mode & S_IWGRP) && info.st_gid != getegid());
  if (shared && !(S_ISDIR(info.st_mode) && (info.st_mode & S_ISVTX)))
    return std::string(what) + " is writable by other users";
  return "";
}

std::string untrusted_directory(const std::string& path) {
  std::string directory =
      path.find('/') == std::string::npos ? "." : path.substr(0, path.rfind('/'));
  if (directory.empty()) directory = "/";
  struct stat info;
  if (stat(directory.c_str(), &info) != 0) return "its directory cannot be checked";
  return untrusted(info, "its directory");
}

// Opens the patch as a private copy that lives as long as the process. The
// dynamic loader treats a path or file it has loaded before as the same
// library, and patches are never unloaded: a patch file written where an
// earlier one was (same name, or a reused inode) would otherwise load the
// earlier one. The copy is also immune to the file changing after this point.
Result<void*> open_private_copy(const std::string& path, int number) {
  int file = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (file < 0) return refused(path, std::string("cannot open: ") + std::strerror(errno));
  struct stat info;
  if (fstat(file, &info) != 0 || !S_ISREG(info.st_mode)) {
    close(file);
    return refused(path, "not a regular file");
  }
  if (std::string why = untrusted(info, "the file"); why.empty()) {
    why = untrusted_directory(path);
    if (!why.empty()) {
      close(file);
      return refused(path, why);
    }
  } else {
    close(file);
    return refused(path, why);
  }
  std::string name = "softpatch-patch-" + std::to_string(number);
  int copy = memfd_create(name.c_str(), MFD_CLOEXEC);
  bool copied = copy >= 0;
  char buffer[1 << 16];
  for (ssize_t n; copied && (n = read(file, buffer, sizeof buffer)) != 0;)
    copied = n > 0 && write(copy, buffer, static_cast<std::size_t>(n)) == n;
  close(file);
  if (!copied) {
    if (copy >= 0) close(copy);
    return refused(path, std::string("cannot copy: ") + std::strerror(errno));
  }
  if (std::string problem = elf_problem(copy); !problem.empty()) {
    close(copy);
    return refused(path, problem);
  }
  // `copy` stays open: its /proc/self/fd path must never name another file.
  std::string fd_path = "/proc/self/fd/" + std::to_string(copy);
  void* handle = dlopen(fd_path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    std::string why = dlerror();
    close(copy);
    std::size_t at = why.find(fd_path + ": ");
    if (at != std::string::npos) why.erase(at, fd_path.size() + 2);
    return refused(path, "cannot load: " + why);
  }
  return handle;
}

}  // namespace

Result<PatchInfo> load_patch(const std::string& path) {
  std::lock_guard<std::mutex> lock(loader_mutex);
  // Never closed: a refused patch's static initialisers may already have
  // registered variables it defines.
  internal::take_initialisation_failure();  // forget anything from before
  Patch patch;
  registering = &patch;
  Result<void*> opened = open_private_copy(path, static_cast<int>(history().size()) + 1);
  registering = nullptr;
  if (!opened) return Error{opened.error()};
  void* handle = opened.value();
  if (std::string failure = internal::take_initialisation_failure(); !failure.empty())
    return refused(path, failure);
  auto* manifest = static_cast<const PatchManifest*>(dlsym(handle, SOFTPATCH_MANIFEST_SYMBOL));
  if (!manifest) return refused(path, "not a softpatch patch (no manifest)");
  Result<std::vector<Switch>> switches = plan(path, handle, *manifest);
  if (!switches) return Error{switches.error()};

  patch.info = {static_cast<int>(history().size()) + 1,
                path,
                manifest->project_file,
                switches->size(),
                false,
                true,
                ""};
  patch.switches = std::move(switches.value());
  history().push_back(std::move(patch));
  if (deferred) {
    ++pending_count;
    return history().back().info;
  }
  switch_in(history().back());
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
  for (const Switch& s : patch->switches) s.slot->exchange(s.previous);
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
  int applied = 0;
  for (Patch& patch : history())
    if (patch.info.pending) {
      switch_in(patch);
      ++applied;
    }
  pending_count -= applied;
  return applied;
}

void on_applied(PatchHook hook) {
  if (registering) registering->applied_hooks.push_back(hook);
}

void on_removed(PatchHook hook) {
  if (registering) registering->removed_hooks.push_back(hook);
}

std::vector<PatchInfo> patches() {
  std::lock_guard<std::mutex> lock(loader_mutex);
  std::vector<PatchInfo> out;
  for (const Patch& p : history()) out.push_back(p.info);
  return out;
}

}  // namespace softpatch
