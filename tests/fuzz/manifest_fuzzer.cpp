// Fuzzes the manifest check: manifests made of the running program's real
// ids, signatures, files, layouts and build id, mixed with wrong, random,
// null and stray pointers and counts. Every manifest gets an answer; one
// that is accepted switches only slots of its own file, to the patch's code,
// for functions of the same signature.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "manifest_check.h"
#include "softpatch/loader.h"
#include "softpatch/registry.h"

int fuzzed_answer();

namespace {

using softpatch::internal::LayoutRecord;
using softpatch::internal::PatchFunction;
using softpatch::internal::PatchManifest;
using softpatch::internal::RawFunction;

void require(bool condition) {
  if (!condition) std::abort();
}

// How many manifests were accepted: a fuzzer that never gets one past the
// checks tests only the refusals. Printed at exit (run.sh shows it).
long accepted = 0, checked = 0;
const bool report_at_exit = [] {
  std::atexit(
      [] { std::fprintf(stderr, "summary: %ld of %ld manifests accepted\n", accepted, checked); });
  return true;
}();

// The patch's code, and an entry function that returns it.
void patch_code() {}
RawFunction patch_entry() { return &patch_code; }

// What the program really has, for manifests that are nearly right.
struct Program {
  std::vector<std::string> ids, signatures, files, layout_names, fingerprints;
  std::map<std::string, std::map<std::string, std::string>> layouts_of;  // file -> class -> fp
  std::string build_id;

  Program() {
    std::set<const softpatch::internal::TranslationUnit*> units;
    for (const softpatch::Function& f : softpatch::functions()) {
      ids.push_back(f.id());
      signatures.push_back(f.signature());
      files.push_back(f.project_file());
      if (!units.insert(&f.unit()).second) continue;
      for (std::size_t i = 0; i < f.unit().layout_count; ++i) {
        layout_names.push_back(f.unit().layouts[i].name);
        fingerprints.push_back(f.unit().layouts[i].fingerprint);
        layouts_of[f.project_file()][f.unit().layouts[i].name] = f.unit().layouts[i].fingerprint;
      }
    }
    build_id = softpatch::module_build_id(reinterpret_cast<const void*>(&fuzzed_answer));
    require(!ids.empty() && !build_id.empty());
  }
};

// The patch module's memory: every string and array of a manifest is placed
// here, and only here counts as inside the patch.
class Arena {
 public:
  template <class T>
  T* place(std::size_t count) {
    used_ = (used_ + alignof(T) - 1) / alignof(T) * alignof(T);
    if (count > (sizeof bytes_ - used_) / sizeof(T)) return nullptr;
    T* at = reinterpret_cast<T*>(bytes_ + used_);
    used_ += count * sizeof(T);
    return at;
  }
  const char* text(const std::string& s) {
    char* at = place<char>(s.size() + 1);
    if (at) std::memcpy(at, s.c_str(), s.size() + 1);
    return at;
  }
  // A string without its terminator (found only when nothing follows it).
  const char* unterminated(const std::string& s) {
    char* at = place<char>(s.size() + 1);
    if (!at) return nullptr;
    std::memcpy(at, s.data(), s.size());
    at[s.size()] = 'x';
    return at;
  }
  softpatch::ModuleMemory memory() const {
    auto begin = reinterpret_cast<std::uintptr_t>(bytes_);
    auto code = reinterpret_cast<std::uintptr_t>(&patch_code);
    auto entry = reinterpret_cast<std::uintptr_t>(&patch_entry);
    return softpatch::ModuleMemory(
        {{begin, begin + used_, false}, {code, code + 1, true}, {entry, entry + 1, true}});
  }

 private:
  alignas(16) char bytes_[1 << 14] = {};
  std::size_t used_ = 0;
};

const char kOutside[] = "a string outside the patch";

// Usually a real value, sometimes another, random, null or stray pointer.
const char* pick_string(FuzzedDataProvider& in, Arena& arena,
                        const std::vector<std::string>& real) {
  switch (in.ConsumeIntegralInRange(0, 9)) {
    case 0:
      return nullptr;
    case 1:
      return kOutside;
    case 2:
      return arena.text(in.ConsumeRandomLengthString(64));
    case 3:
      return arena.unterminated(in.ConsumeRandomLengthString(16));
    default:
      if (real.empty()) return arena.text("");
      return arena.text(real[in.ConsumeIntegralInRange<std::size_t>(0, real.size() - 1)]);
  }
}

std::size_t pick_count(FuzzedDataProvider& in, std::size_t placed) {
  switch (in.ConsumeIntegralInRange(0, 7)) {
    case 0:
      return in.ConsumeIntegral<std::size_t>();
    case 1:
      return placed + 1;
    default:
      return placed;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Program program;
  FuzzedDataProvider in(data, size);
  Arena arena;
  // The manifest itself lies in the patch, but for one in sixteen.
  PatchManifest outside{};
  PatchManifest* in_arena = arena.place<PatchManifest>(1);
  PatchManifest& manifest = in.ConsumeIntegralInRange(0, 15) && in_arena ? *in_arena : outside;
  manifest = PatchManifest{};
  manifest.version = in.ConsumeIntegralInRange(0, 15) ? softpatch::internal::kManifestVersion
                                                      : in.ConsumeIntegral<unsigned>();
  manifest.build_id = pick_string(in, arena, {program.build_id});
  manifest.project_file = pick_string(in, arena, program.files);

  std::size_t function_count = in.ConsumeIntegralInRange<std::size_t>(0, 8);
  PatchFunction* functions = arena.place<PatchFunction>(function_count);
  for (std::size_t i = 0; functions && i < function_count; ++i) {
    functions[i].id = pick_string(in, arena, program.ids);
    functions[i].signature = pick_string(in, arena, program.signatures);
    // The entry: the patch's, none (look the id up), code elsewhere, or data.
    int entry = in.ConsumeIntegralInRange(0, 4);
    functions[i].entry = entry == 0 ? &patch_entry : nullptr;
    if (entry == 1) functions[i].entry = reinterpret_cast<RawFunction (*)()>(&std::abort);
    if (entry == 2) functions[i].entry = reinterpret_cast<RawFunction (*)()>(arena.place<char>(8));
    // The build's code (alone, or with an entry: corrupt), code that cannot
    // throw, or stray bits.
    functions[i].flags = in.ConsumeIntegralInRange(0, 3) ? 0u : in.ConsumeIntegral<unsigned>() & 3;
  }
  manifest.functions = in.ConsumeIntegralInRange(0, 15) ? functions : nullptr;
  manifest.function_count = pick_count(in, function_count);

  std::size_t layout_count = in.ConsumeIntegralInRange<std::size_t>(0, 3);
  LayoutRecord* layouts = arena.place<LayoutRecord>(layout_count);
  for (std::size_t i = 0; layouts && i < layout_count; ++i) {
    layouts[i].name = pick_string(in, arena, program.layout_names);
    layouts[i].fingerprint = pick_string(in, arena, program.fingerprints);
  }
  manifest.layouts =
      in.ConsumeBool() ? layouts : reinterpret_cast<LayoutRecord*>(arena.place<char>(1));
  manifest.layout_count = pick_count(in, layout_count);
  manifest.flags = in.ConsumeIntegral<unsigned>() & 3;

  // The symbols a patch defines: its own code, nothing, code elsewhere, or
  // a variable of the patch.
  int symbols = in.ConsumeIntegralInRange(0, 3);
  char* variable = arena.place<char>(8);
  softpatch::SymbolLookup lookup = [symbols, variable](const char*) -> RawFunction {
    if (symbols == 0) return &patch_code;
    if (symbols == 1) return nullptr;
    if (symbols == 2) return reinterpret_cast<RawFunction>(&std::abort);
    return reinterpret_cast<RawFunction>(variable);
  };

  softpatch::Result<softpatch::PatchPlan> planned = softpatch::check_manifest(
      "fuzz.so", manifest, arena.memory(), lookup, [](std::string_view) { return std::nullopt; });
  ++checked;
  if (!planned) {
    require(planned.error().rfind("softpatch: fuzz.so: ", 0) == 0 &&
            planned.error().find('\n') == std::string::npos);
    return 0;
  }
  ++accepted;
  require(manifest.version == softpatch::internal::kManifestVersion);
  require(manifest.build_id == program.build_id);
  require(planned->switches.size() <= manifest.function_count);
  std::map<std::string, std::string> signature_of;  // the manifest's, by id
  std::set<std::string> to_build_code;              // ids of kBuildCode rows
  std::set<std::string> cannot_throw;               // and of those whose code cannot throw
  for (std::size_t i = 0; i < manifest.function_count; ++i) {
    require(signature_of.emplace(manifest.functions[i].id, manifest.functions[i].signature).second);
    if (manifest.functions[i].flags & softpatch::internal::kBuildCode)
      to_build_code.insert(manifest.functions[i].id);
    if (manifest.functions[i].flags &
        (softpatch::internal::kBuildCode | softpatch::internal::kNothrow))
      cannot_throw.insert(manifest.functions[i].id);
  }
  // Layouts are compared with those the patched file sees (the fuzzer's own
  // file is instrumented too, and sees other classes). A file may see none:
  // a header's functions are registered by a unit without layouts.
  static const std::map<std::string, std::string> none;
  auto seen_by_file = program.layouts_of.find(manifest.project_file);
  const std::map<std::string, std::string>& seen =
      seen_by_file == program.layouts_of.end() ? none : seen_by_file->second;
  for (std::size_t i = 0; i < manifest.layout_count; ++i)
    if (auto it = seen.find(manifest.layouts[i].name); it != seen.end())
      require(it->second == manifest.layouts[i].fingerprint);
  for (const softpatch::PlannedSwitch& s : planned->switches) {
    bool found = false;
    for (const softpatch::Function& f : softpatch::functions())
      if (&f.slot() == s.slot) {
        found = true;
        // The patch's code, or the build's where the row asks for it alone.
        require(s.code == &patch_code || (!s.code && to_build_code.count(f.id())));
        require(f.project_file() == std::string(manifest.project_file));
        require(signature_of.at(f.id()) == f.signature());
        require(s.name == f.name());
        // A noexcept function keeps code that cannot throw.
        require(!(f.flags() & softpatch::internal::kNoexcept) || cannot_throw.count(f.id()));
      }
    require(found);
  }
  return 0;
}
