// Loading patches into the running program.
//
//   softpatch::Result<softpatch::PatchInfo> p = softpatch::load_patch("/tmp/store.patch.so");
//   if (!p) { std::fprintf(stderr, "%s\n", p.error().c_str()); return; }  // nothing changed
//   std::printf("patch %d: %zu functions\n", p->number, p->functions);
//   ...
//   softpatch::rollback();  // back to what ran before patch p
//
// load_patch opens the patch, checks its whole manifest — built for this
// program (GNU build id of the module holding each function), every function
// known, every signature unchanged — and only then switches all of its slots.
// Any failure leaves every slot as it was and says which file, function or
// cause. Threads already running old code finish it; new calls run the new
// code. Patches stay loaded for the life of the process: code may still be
// running in them, and the variables they added live in them.
//
// Thread-safe; one patch is applied or rolled back at a time.
#ifndef SOFTPATCH_LOADER_H
#define SOFTPATCH_LOADER_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "softpatch/result.h"

namespace softpatch {

class Function;

struct PatchInfo {
  int number = 0;            // 1, 2, ... in the order applied
  std::string path;          // the patch file
  std::string project_file;  // the source file it replaces, relative to the project root
  std::size_t functions = 0;
  bool active = false;      // switched in (false once rolled back, or while pending)
  bool pending = false;     // checked, waiting for safepoint() (deferred mode)
  std::string hook_errors;  // what lifecycle hooks threw, one line each
  // Calls the patch does not reach, one line each (a header's function also
  // compiled without softpatch elsewhere); empty in most programs.
  std::vector<std::string> unreached;
  // Readable names of the functions whose code the patch changed, and of
  // those it added, compared with the code that ran before it (every
  // function it switches counts as changed when its manifest does not carry
  // the edited file's code).
  std::vector<std::string> changed, added;
  std::int64_t loaded_at = 0;  // when it was loaded: seconds since the Unix epoch
};

Result<PatchInfo> load_patch(const std::string& path);

// Undoes the most recent active patch, or patch `number`: its slots go back
// to the targets they had before it. Refused when a later active patch
// changed one of the same functions (roll that one back first).
Result<PatchInfo> rollback();
Result<PatchInfo> rollback(int number);

// Every patch applied so far, oldest first.
std::vector<PatchInfo> patches();

// The number of the active patch whose code `function` runs now, or 0 when
// it runs its build's code or was redirected by something else (a mock).
int patch_running(const Function& function);

// Deferred mode: patches loaded while it is on are checked at once but
// switched in only when the program calls safepoint(), for event loops that
// want a clean switch point. Off by default (patches apply on load).
void set_deferred(bool deferred);

// Switches in every patch waiting for a safe point, in load order; returns
// how many. Cheap when there are none: call it from the loop every turn.
int safepoint();

// The GNU build id (lowercase hex) of the loaded module that contains
// `address`, or "" when it has none.
std::string module_build_id(const void* address);

}  // namespace softpatch

#endif  // SOFTPATCH_LOADER_H
